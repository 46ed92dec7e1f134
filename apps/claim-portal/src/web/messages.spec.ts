import { chooseLanguage } from './messages';
import { codePage, escapeHtml, passwordPage } from './pages';

describe('claim page language and rendering', () => {
  it('takes ?lang first, then Accept-Language, then the default', () => {
    expect(chooseLanguage('en', 'sv-SE', 'sv')).toBe('en');
    expect(chooseLanguage(undefined, 'en-GB,en;q=0.9,sv;q=0.5', 'sv')).toBe('en');
    expect(chooseLanguage(undefined, 'de-DE,sv;q=0.8,en;q=0.5', 'sv')).toBe('sv');
    expect(chooseLanguage('xx', 'fr', 'sv')).toBe('sv');
    expect(chooseLanguage(undefined, undefined, 'en')).toBe('en');
  });

  it('escapes everything it echoes', () => {
    expect(escapeHtml(`<script>"&'`)).toBe('&lt;script&gt;&quot;&amp;&#39;');
    const html = codePage({ language: 'sv', csrf: 'x', accountName: '"><script>alert(1)</script>' });
    expect(html).not.toContain('<script>');
    const named = passwordPage({
      language: 'en',
      csrf: 'x',
      ticket: 't',
      displayName: '<b>Åsa</b>',
      accountName: 'a',
      minLength: 10,
      complex: true,
    });
    expect(named).toContain('Hello &lt;b&gt;Åsa&lt;/b&gt;!');
  });

  it('never shows a name on the first page', () => {
    expect(codePage({ language: 'sv', csrf: 'x' })).not.toMatch(/Hej /);
  });
});
