// Every text of the claim page in Swedish (default) and English. Failures never say whether the
// account exists: one message for an unknown account and a wrong, used, expired or locked code.
import type { PasswordProblem } from '../password-rules/password-rules';

export type Language = 'sv' | 'en';

export const MESSAGES = {
  sv: {
    title: 'Aktivera ditt konto',
    intro: 'Skriv ditt kontonamn och koden från brevet du fått av skolan. Sedan väljer du ett eget lösenord.',
    accountName: 'Kontonamn',
    code: 'Kod',
    codeHint: 'Tio tecken, till exempel ABCDE-FGHJK.',
    continue: 'Fortsätt',
    rejected:
      'Kontonamnet eller koden stämmer inte, eller så har koden redan använts eller gått ut. Kontrollera och försök igen. ' +
      'Efter flera felaktiga försök spärras kontot: be då din lärare eller skolans IT-ansvariga om hjälp.',
    rateLimited: (minutes: number) =>
      `För många försök. Vänta ${minutes} ${minutes === 1 ? 'minut' : 'minuter'} och försök igen.`,
    sessionExpired: 'Sidan har varit öppen för länge eller skickades från fel ställe. Börja om.',
    choosePassword: 'Välj lösenord',
    hello: (name: string) => `Hej ${name}!`,
    passwordIntro: (account: string) =>
      `Välj ett lösenord för kontot ${account}. Ingen annan kommer att veta det.`,
    password: 'Nytt lösenord',
    confirmation: 'Skriv lösenordet igen',
    passwordRules: (min: number, complex: boolean) =>
      `Minst ${min} tecken${complex ? ', och tre av: stora bokstäver, små bokstäver, siffror, andra tecken' : ''}. ` +
      'Inte ditt namn eller kontonamn, och inget vanligt lösenord. Tips: några ord i rad, som "Blå-tåg-springer-42".',
    save: 'Spara lösenordet',
    refused:
      'Domänens lösenordsregler godtog inte lösenordet (det kanske har använts förut). Välj ett annat. Din kod gäller fortfarande.',
    done: 'Klart!',
    doneText: (account: string) =>
      `Ditt lösenord är sparat. Logga in med kontonamnet ${account} och ditt nya lösenord. Koden går inte att använda igen.`,
    otherLanguage: 'In English',
    problems: {
      mismatch: () => 'Lösenorden är inte likadana.',
      'too-short': (p: { min: number }) => `Lösenordet behöver minst ${p.min} tecken.`,
      'too-long': (p: { max: number }) => `Lösenordet får ha högst ${p.max} tecken.`,
      'too-common': () => 'Lösenordet är för vanligt och lätt att gissa.',
      'too-simple': () => 'Lösenordet är för enkelt (samma tecken eller tecken i följd på tangentbordet).',
      'needs-variety': () =>
        'Blanda bokstäver med siffror eller andra tecken, eller välj ett längre lösenord (minst 16 tecken).',
      'ad-complexity': () =>
        'Lösenordet behöver tre av: stora bokstäver, små bokstäver, siffror, andra tecken.',
      'contains-account-name': () => 'Lösenordet får inte innehålla ditt kontonamn.',
      'contains-name': () => 'Lösenordet får inte innehålla ditt namn.',
    },
  },
  en: {
    title: 'Activate your account',
    intro:
      'Enter your account name and the code from the letter your school gave you. Then choose your own password.',
    accountName: 'Account name',
    code: 'Code',
    codeHint: 'Ten characters, for example ABCDE-FGHJK.',
    continue: 'Continue',
    rejected:
      'The account name or the code is not right, or the code has been used or has expired. Check them and try again. ' +
      'After several wrong tries the account is locked: then ask your teacher or the school’s IT staff for help.',
    rateLimited: (minutes: number) =>
      `Too many tries. Wait ${minutes} ${minutes === 1 ? 'minute' : 'minutes'} and try again.`,
    sessionExpired: 'The page was open too long or was sent from somewhere else. Please start again.',
    choosePassword: 'Choose a password',
    hello: (name: string) => `Hello ${name}!`,
    passwordIntro: (account: string) =>
      `Choose a password for the account ${account}. Nobody else will know it.`,
    password: 'New password',
    confirmation: 'Type the password again',
    passwordRules: (min: number, complex: boolean) =>
      `At least ${min} characters${complex ? ', and three of: capital letters, small letters, digits, other characters' : ''}. ` +
      'Not your name or account name, and no common password. Tip: a few words in a row, like "Blue-train-running-42".',
    save: 'Save the password',
    refused:
      'The domain’s password rules did not accept this password (it may have been used before). Choose another one. Your code is still valid.',
    done: 'Done!',
    doneText: (account: string) =>
      `Your password is saved. Sign in with the account name ${account} and your new password. The code cannot be used again.`,
    otherLanguage: 'På svenska',
    problems: {
      mismatch: () => 'The two passwords are not the same.',
      'too-short': (p: { min: number }) => `The password needs at least ${p.min} characters.`,
      'too-long': (p: { max: number }) => `The password may have at most ${p.max} characters.`,
      'too-common': () => 'The password is too common and easy to guess.',
      'too-simple': () => 'The password is too simple (one character repeated, or a run along the keyboard).',
      'needs-variety': () =>
        'Mix letters with digits or other characters, or choose a longer password (16 characters or more).',
      'ad-complexity': () =>
        'The password needs three of: capital letters, small letters, digits, other characters.',
      'contains-account-name': () => 'The password must not contain your account name.',
      'contains-name': () => 'The password must not contain your name.',
    },
  },
} as const;

export function describeProblem(language: Language, problem: PasswordProblem): string {
  const text = MESSAGES[language].problems[problem.code] as (p: PasswordProblem) => string;
  return text(problem);
}

/** ?lang=en|sv wins; otherwise the first of sv/en in Accept-Language; otherwise the default. */
export function chooseLanguage(
  query: unknown,
  acceptLanguage: string | undefined,
  fallback: Language,
): Language {
  if (query === 'en' || query === 'sv') return query;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim().toLowerCase();
    if (tag.startsWith('sv')) return 'sv';
    if (tag.startsWith('en')) return 'en';
  }
  return fallback;
}
