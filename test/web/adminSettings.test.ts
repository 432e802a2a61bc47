import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadManifest } from '../../plugin/manifest/manifest.ts';
import { databaseKinds } from '../support/databases.ts';
import { createTestSite, csrfFrom, type TestSite } from '../support/testSite.ts';

// The site's form parser refuses more fields than this (createLmsSite's parameterLimit).
const SITE_FORM_FIELD_LIMIT = 100;

for (const kind of databaseKinds) {
  describe(`admin settings page on ${kind}`, () => {
    let site: TestSite;
    before(async () => {
      site = await createTestSite(kind);
      await site.addUser('admin', undefined, true);
      await site.addUser('student');
    });
    after(() => site.close());

    async function adminBrowser() {
      const browser = site.browser();
      await browser.login('admin');
      return browser;
    }

    /** The form as the page posts it with nothing edited: unticked boxes send nothing. */
    async function unchangedForm(): Promise<Record<string, string>> {
      const form: Record<string, string> = {};
      for (const { definition, value } of (await site.mfa.settings.snapshot()).entries()) {
        if (definition.type === 'boolean') {
          if (value === true) form[definition.name] = 'true';
        } else form[definition.name] = Array.isArray(value) ? value.join('\n') : String(value);
      }
      return form;
    }

    it('sends an anonymous visitor to the login page and answers 403 to a user who is not an admin', async () => {
      const anonymous = await site.browser().agent.get('/admin/mfa/settings').expect(303);
      assert.equal(anonymous.headers.location, `/login?returnTo=${encodeURIComponent('/admin/mfa/settings')}`);
      const student = site.browser();
      await student.login('student');
      const page = await student.agent.get('/admin/mfa/settings').expect(403);
      assert.doesNotMatch(page.text, /lockout_threshold/);
      const csrf = csrfFrom((await student.agent.get('/user/security')).text);
      await student.agent.post('/admin/mfa/settings').type('form').send({ _csrf: csrf, lockout_threshold: '2' }).expect(403);
      assert.equal((await site.mfa.settings.snapshot()).integer('lockout_threshold'), 10);
    });

    it('shows how the mobile app signs in as words, posting Moodle’s value, and saves the app URL scheme only when it is one', async () => {
      const browser = await adminBrowser();
      const page = (await browser.agent.get('/admin/mfa/settings').expect(200)).text;
      assert.match(page, /<option value="browser"\s*>In the phone&#39;s browser \(MFA with any factor\)<\/option>/);
      assert.match(page, /<option value="app"\s+selected>In the app/);
      const form = await unchangedForm();
      await browser.agent.post('/admin/mfa/settings').type('form').send({ ...form, _csrf: csrfFrom(page), mobile_app_url_scheme: 'not a scheme' }).expect(400);
      assert.equal((await site.mfa.settings.snapshot()).string('mobile_app_url_scheme'), 'moodlemobile');
      await browser.agent.post('/admin/mfa/settings').type('form').send({ ...form, _csrf: csrfFrom(page), mobile_app_login_type: 'browser', mobile_app_url_scheme: 'org.example.lms' }).expect(303);
      const saved = await site.mfa.settings.snapshot();
      assert.equal(saved.string('mobile_app_login_type'), 'browser');
      assert.equal(saved.string('mobile_app_url_scheme'), 'org.example.lms');
      await site.mfa.settings.set('mobile_app_login_type', 'app', 'test');
      await site.mfa.settings.set('mobile_app_url_scheme', 'moodlemobile', 'test');
    });

    it('shows every setting of manifest.json with its label, help tied to the control, and the control its type needs', async () => {
      const page = (await (await adminBrowser()).agent.get('/admin/mfa/settings').expect(200)).text;
      for (const definition of loadManifest().settings) {
        const id = `setting-${definition.name.replace(/[^a-z0-9_-]/gi, '-')}`;
        const tag = new RegExp(`<(input|select|textarea)[^>]*id="${id}"[^>]*>`).exec(page)?.[0];
        assert.ok(tag, `${definition.name} has a control`);
        assert.match(tag, new RegExp(`aria-describedby="${id}-help"`), `${definition.name}'s help is tied to it`);
        assert.match(page, new RegExp(`<label for="${id}">${definition.label.replace(/[()]/g, '\\$&')}</label>`), `${definition.name} is labelled`);
        const want = { boolean: /type="checkbox"/, integer: /type="number"/, select: /^<select/, string: /type="text"/, list: /^<textarea/, 'cidr-list': /^<textarea/ }[definition.type];
        assert.match(tag, want, `${definition.name} is a ${definition.type}`);
        if (definition.type === 'integer') assert.match(tag, new RegExp(`min="${definition.min}" max="${definition.max}"`));
      }
      for (const heading of ['General', 'Authenticator app', 'Trusted device', 'Trusted network', 'Email code', 'Recovery codes']) {
        assert.match(page, new RegExp(`<legend><h2>${heading}</h2></legend>`));
      }
      const fields = new Set([...page.matchAll(/<(?:input|select|textarea)[^>]*name="([^"]+)"/g)].map((m) => m[1]));
      assert.ok(fields.size < SITE_FORM_FIELD_LIMIT, `the form posts ${fields.size} fields; the site's parser takes at most ${SITE_FORM_FIELD_LIMIT}`);
    });

    it('saves a changed threshold, an unticked factor and a list, with an audit row each naming the admin', async () => {
      const browser = await adminBrowser();
      const page = await browser.agent.get('/admin/mfa/settings');
      const form: Record<string, string> = { ...(await unchangedForm()), _csrf: csrfFrom(page.text), lockout_threshold: '5', redirect_exclusions: '/help\r\n/public/\r\n' };
      delete form['factor.email.enabled'];
      const saved = await browser.agent.post('/admin/mfa/settings').type('form').send(form).expect(303);
      assert.equal(saved.headers.location, '/admin/mfa/settings');
      const snapshot = await site.mfa.settings.snapshot();
      assert.equal(snapshot.integer('lockout_threshold'), 5);
      assert.equal(snapshot.boolean('factor.email.enabled'), false);
      assert.deepEqual(snapshot.list('redirect_exclusions'), ['/help', '/public/']);
      assert.equal(snapshot.boolean('factor.totp.enabled'), true, 'a ticked box stays on');
      const audit = await site.mfa.audit.recent({ event: 'settings_changed', limit: 3 });
      assert.deepEqual(audit.map((a) => [a.actor, a.detail?.name]).sort(), [
        ['admin', 'factor.email.enabled'],
        ['admin', 'lockout_threshold'],
        ['admin', 'redirect_exclusions'],
      ]);
      const after = await browser.agent.get('/admin/mfa/settings');
      assert.match(after.text, /role="status">Saved 3 changes/);
      assert.match(after.text, /id="setting-lockout_threshold"[^>]*value="5"/);
      assert.doesNotMatch(after.text, /id="setting-factor-email-enabled"[^>]*checked/);
      assert.match(after.text, />\/help\n\/public\/<\/textarea>/);
    });

    it('refuses a form with a bad value: errors beside the fields, what was typed kept, nothing saved', async () => {
      const browser = await adminBrowser();
      const page = await browser.agent.get('/admin/mfa/settings');
      const before = await site.mfa.audit.recent({ event: 'settings_changed' });
      const form = { ...(await unchangedForm()), _csrf: csrfFrom(page.text), lockout_threshold: '0', 'factor.ip_range.ranges': '10.0.0.0/8\n<script>alert(1)</script>', mobile_app_mfa: 'true' };
      const refused = await browser.agent.post('/admin/mfa/settings').type('form').send(form).expect(400);
      assert.match(refused.text, /Nothing was saved: 2 settings need correcting/);
      assert.match(refused.text, /id="setting-lockout_threshold"[^>]*aria-describedby="setting-lockout_threshold-error setting-lockout_threshold-help" aria-invalid="true"/);
      assert.match(refused.text, /<p id="setting-lockout_threshold-error" class="error">[^<]*out of range; use a number from 1 to 1000/);
      assert.match(refused.text, /id="setting-lockout_threshold"[^>]*value="0"/, 'the typed value is kept');
      assert.match(refused.text, /10\.0\.0\.0\/8\n&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/textarea>/, 'kept and escaped');
      assert.doesNotMatch(refused.text, /<script>alert/);
      assert.match(refused.text, /id="setting-mobile_app_mfa"[^>]*checked/, 'the other edits are kept too');
      const snapshot = await site.mfa.settings.snapshot();
      assert.equal(snapshot.boolean('mobile_app_mfa'), false, 'the valid change was not saved either');
      assert.equal(snapshot.integer('lockout_threshold'), 5);
      assert.equal((await site.mfa.audit.recent({ event: 'settings_changed' })).length, before.length);
    });

    it('refuses a post without the CSRF token, saving nothing', async () => {
      const browser = await adminBrowser();
      await browser.agent.post('/admin/mfa/settings').type('form').send({ ...(await unchangedForm()), lockout_threshold: '7' }).expect(403);
      assert.equal((await site.mfa.settings.snapshot()).integer('lockout_threshold'), 5);
    });
  });
}
