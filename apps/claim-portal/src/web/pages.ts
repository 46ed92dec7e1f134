// Server-rendered pages of the claim flow: plain HTML forms, no script, one stylesheet from this
// origin (the CSP allows nothing else). Every value is escaped; the display name appears only on the
// pages after a correct code.
import { type Language, MESSAGES } from './messages';

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}

function layout(language: Language, title: string, body: string): string {
  const other: Language = language === 'sv' ? 'en' : 'sv';
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/claim.css">
</head>
<body>
<main>
<nav><a href="/?lang=${other}" lang="${other}" data-testid="other-language">${escapeHtml(MESSAGES[language].otherLanguage)}</a></nav>
${body}
</main>
</body>
</html>
`;
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
}

function alert(message: string | undefined): string {
  return message ? `<p class="alert" role="alert" data-testid="error">${escapeHtml(message)}</p>` : '';
}

export function codePage(input: {
  language: Language;
  csrf: string;
  accountName?: string;
  error?: string;
}): string {
  const m = MESSAGES[input.language];
  return layout(
    input.language,
    m.title,
    `<h1>${escapeHtml(m.title)}</h1>
<p>${escapeHtml(m.intro)}</p>
${alert(input.error)}
<form method="post" action="/claim" autocomplete="off" data-testid="code-form">
${hidden('csrf', input.csrf)}${hidden('lang', input.language)}
<label for="accountName">${escapeHtml(m.accountName)}</label>
<input id="accountName" name="accountName" required maxlength="256" autocapitalize="none" spellcheck="false" value="${escapeHtml(input.accountName ?? '')}">
<label for="code">${escapeHtml(m.code)}</label>
<input id="code" name="code" required maxlength="64" autocapitalize="characters" spellcheck="false" aria-describedby="code-hint">
<p class="hint" id="code-hint">${escapeHtml(m.codeHint)}</p>
<button type="submit">${escapeHtml(m.continue)}</button>
</form>`,
  );
}

export function passwordPage(input: {
  language: Language;
  csrf: string;
  ticket: string;
  displayName: string;
  accountName: string;
  minLength: number;
  complex: boolean;
  errors?: string[];
}): string {
  const m = MESSAGES[input.language];
  const errors = input.errors?.length
    ? `<ul class="alert" role="alert" data-testid="error">${input.errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`
    : '';
  return layout(
    input.language,
    m.choosePassword,
    `<h1 data-testid="hello">${escapeHtml(m.hello(input.displayName))}</h1>
<p>${escapeHtml(m.passwordIntro(input.accountName))}</p>
<p class="hint" id="password-rules">${escapeHtml(m.passwordRules(input.minLength, input.complex))}</p>
${errors}
<form method="post" action="/claim/password" data-testid="password-form">
${hidden('csrf', input.csrf)}${hidden('lang', input.language)}${hidden('ticket', input.ticket)}
<input type="hidden" name="username" autocomplete="username" value="${escapeHtml(input.accountName)}">
<label for="password">${escapeHtml(m.password)}</label>
<input id="password" name="password" type="password" required autocomplete="new-password" aria-describedby="password-rules" minlength="${input.minLength}" maxlength="128">
<label for="confirmation">${escapeHtml(m.confirmation)}</label>
<input id="confirmation" name="confirmation" type="password" required autocomplete="new-password" maxlength="128">
<button type="submit">${escapeHtml(m.save)}</button>
</form>`,
  );
}

export function donePage(input: { language: Language; accountName: string }): string {
  const m = MESSAGES[input.language];
  return layout(
    input.language,
    m.done,
    `<h1 data-testid="done">${escapeHtml(m.done)}</h1>\n<p>${escapeHtml(m.doneText(input.accountName))}</p>`,
  );
}

export const STYLESHEET = `:root { color-scheme: light; --accent: #1f5c99; --error: #a4262c; }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f3f5f8; color: #1b1f24; }
main { max-width: 30rem; margin: 3rem auto; padding: 2rem; background: #fff; border-radius: 12px; box-shadow: 0 2px 10px rgba(0,0,0,.08); }
nav { text-align: right; font-size: .9rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
label { display: block; font-weight: 600; margin-top: 1rem; }
input { width: 100%; font: inherit; padding: .6rem .7rem; border: 1px solid #8a94a3; border-radius: 8px; margin-top: .3rem; }
input:focus { outline: 3px solid #9cc3ee; border-color: var(--accent); }
#code { letter-spacing: .15em; text-transform: uppercase; }
button { margin-top: 1.5rem; width: 100%; font: inherit; font-weight: 600; padding: .7rem; border: 0; border-radius: 8px; background: var(--accent); color: #fff; cursor: pointer; }
.hint { color: #4a5563; font-size: .9rem; margin: .3rem 0 0; }
.alert { color: var(--error); background: #fdf1f2; border: 1px solid #f0c4c7; border-radius: 8px; padding: .7rem 1rem; }
ul.alert { padding-left: 2rem; }
a { color: var(--accent); }
`;
