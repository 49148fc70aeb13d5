#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# Drives a real headless Chromium (chromedriver, python3-selenium) through
# authd-web's review pages, and checks every page of both slices with
# axe-core (WCAG 2.1 A and AA) in the same browser:
#   - the self-enrollment pages: sign-in, its refusal, the QR code, done,
#     a page that does not exist;
#   - a system owner signs in with password and code, sees only their
#     campaign, filters the items, is refused a revoke without a comment,
#     revokes one user with a comment, keeps another, cannot decide on
#     their own access (no form; a forged POST is refused by authd and
#     the page says why), cannot open another owner's campaign;
#   - the security function sees every campaign (the earlier due first),
#     accepts a campaign's recommendations behind a confirmation, decides
#     the owner's own item, closes the campaign and downloads the report.
# Prints "ok: ..." or "FAIL: ..." per check; exit 1 on any failure.  A
# screenshot of each page checked goes to OUT/shots/NAME.png.
#
#   review_browser.py BASE OUT AXE_JS
# with the secrets in the environment: PW_<user> (password), SECRET_<user>
# (TOTP base32) for OWNER (anna), SECFN (orjan) and NEWBIE (race01).
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webtest  # noqa: E402
from webtest import check  # noqa: E402

base, out, axe_js = sys.argv[1:4]
owner, secfn, newbie = 'anna', 'orjan', 'race01'
shots = os.path.join(out, 'shots')
os.makedirs(shots, exist_ok=True)
axe_src = open(axe_js).read() if axe_js and os.path.exists(axe_js) else None


def pw(user):
    return os.environ['PW_' + user]


def code(user, offset):
    """The TOTP code of `user` for the step `offset` steps from now."""
    now = int(time.time()) + 30 * offset
    return subprocess.run(['oathtool', '--totp', '-b', '-d', '6', '-s', '30',
                           '--now', '@%d' % now, os.environ['SECRET_' + user]],
                          capture_output=True, text=True).stdout.strip()


def step_safe():
    """Waits when the TOTP step is about to roll over."""
    if 30 - time.time() % 30 < 5:
        time.sleep(6)


def raw(method, path, cookie=None, body=None, lang=None):
    return webtest.raw(base, method, path, cookie, body, lang)


def page(name):
    """Screenshot and accessibility check of the page shown now."""
    drv.save_screenshot(os.path.join(shots, name + '.png'))
    if axe_src is None:
        print('skip: axe-core missing, no accessibility check of ' + name)
        return
    drv.execute_script(axe_src + '\n;return 1;')
    res = drv.execute_async_script(
        'var done = arguments[arguments.length - 1];'
        'axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", '
        '"wcag2aa", "wcag21a", "wcag21aa"]}}).then(function (r) {'
        'done(JSON.stringify(r.violations.map(function (v) {'
        'return {id: v.id, impact: v.impact, n: v.nodes.length,'
        'html: v.nodes.slice(0, 2).map(function (x) { return x.html; })};'
        '})));}).catch(function (e) { done("error: " + e); });')
    if res.startswith('error:'):
        check('axe-core runs on ' + name, False, res)
        return
    bad = [v for v in json.loads(res) if v['impact'] in ('serious', 'critical')]
    minor = [v['id'] for v in json.loads(res) if v not in bad]
    check('accessibility (axe-core, WCAG 2.1 AA): no serious violation on ' +
          name, not bad, json.dumps(bad))
    if minor:
        print('  (minor on %s: %s)' % (name, ', '.join(minor)))


def cookie_csrf():
    c = drv.get_cookie('__Host-authd-web')
    t = drv.find_elements(By.NAME, 'csrf')
    return (c['value'] if c else ''), (t[0].get_attribute('value') if t else '')


def click_and_wait(el):
    """Clicks `el` and waits for the next page to replace this one."""
    old = drv.find_element(By.TAG_NAME, 'html')
    el.click()

    def gone(d):
        # Chromium says "stale" in more than one way.
        try:
            old.is_enabled()
            return False
        except Exception:
            return True
    WebDriverWait(drv, 20).until(gone)


def submit(css):
    click_and_wait(drv.find_element(By.CSS_SELECTOR, css))


def text():
    return drv.find_element(By.TAG_NAME, 'main').text


def item_row(user):
    """The items table's row of `user` (the first), or None."""
    for tr in drv.find_elements(By.CSS_SELECTOR, '#items tbody tr'):
        if tr.find_element(By.CSS_SELECTOR, 'th.user').text == user:
            return tr
    return None


def decide(user, decision, comment):
    row = item_row(user)
    if row is None:
        return False
    if comment is not None:
        row.find_element(By.NAME, 'comment').send_keys(comment)
    click_and_wait(row.find_element(By.CSS_SELECTOR,
                                    'button[value="%s"]' % decision))
    return True


def review_signin(user, password, c):
    drv.get(base + '/review')
    drv.find_element(By.ID, 'user').send_keys(user)
    drv.find_element(By.ID, 'password').send_keys(password)
    drv.find_element(By.ID, 'code').send_keys(c)
    submit('form[action="/review/login"] button')


browser = webtest.Browser(1280, 1000)
drv = browser.drv
try:
    # --- the first slice's pages: self-enrollment --------------------------
    drv.get(base + '/')
    page('enroll-signin')
    drv.find_element(By.ID, 'user').send_keys(newbie)
    drv.find_element(By.ID, 'password').send_keys('wrong-password')
    submit('form[action="/login"] button')
    check('enrollment: a wrong password is refused', 'godtogs inte' in text())
    page('enroll-signin-refused')
    drv.get(base + '/')
    drv.find_element(By.ID, 'user').send_keys(newbie)
    drv.find_element(By.ID, 'password').send_keys(pw(newbie))
    submit('form[action="/login"] button')
    secret = drv.find_element(By.ID, 'secret').text if drv.find_elements(By.ID, 'secret') else ''
    check('enrollment: the QR code page shows the key', secret != '')
    page('enroll-qr')
    step_safe()
    c = subprocess.run(['oathtool', '--totp', '-b', '-d', '6', secret],
                       capture_output=True, text=True).stdout.strip()
    drv.find_element(By.ID, 'code').send_keys(c)
    submit('form[action="/confirm"] button')
    check('enrollment: the code confirms the token', bool(drv.find_elements(By.ID, 'done')))
    page('enroll-done')
    submit('form[action="/logout"] button')
    drv.get(base + '/no-such-page')
    page('error-not-found')

    # --- the review pages: language and headers ----------------------------
    st, hd, body = raw('GET', '/review', lang='en-GB,en;q=0.9,sv;q=0.5')
    check('the review pages are in English when the browser prefers it',
          '<html lang="en"' in body and 'Access review' in body and
          'Code from your authenticator' in body)
    st, hd, body = raw('GET', '/review')
    check('the review pages are in Swedish by default, with the strict headers',
          '<html lang="sv"' in body and 'Behörighetsgranskning' in body and
          "default-src 'none'" in hd.get('Content-Security-Policy', '') and
          'script-src' not in hd.get('Content-Security-Policy', '') and
          '<script' not in body and 'style=' not in body and
          all(x in hd.get('Set-Cookie', '') for x in ('Secure', 'HttpOnly', 'SameSite=Strict')))

    # --- the owner -----------------------------------------------------------
    drv.get(base + '/review')
    check('review sign-in asks for user, password and code',
          all(drv.find_elements(By.ID, x) for x in ('user', 'password', 'code')))
    labels = sorted(l.get_attribute('for') for l in drv.find_elements(By.TAG_NAME, 'label'))
    check('review sign-in: every field has a label', labels == ['code', 'password', 'user'], str(labels))
    page('review-signin')
    review_signin(owner, pw(owner), '000000' if code(owner, 1) != '000000' else '111111')
    check('a wrong code is not accepted', 'godtogs inte' in text() and
          not drv.find_elements(By.ID, 'campaigns'))
    page('review-signin-refused')
    step_safe()
    review_signin(owner, pw(owner), code(owner, 1))
    check('the owner signs in with password and code', bool(drv.find_elements(By.ID, 'campaigns')),
          text()[:300])
    check('no secret in the URL', '/review' == urllib.parse.urlparse(drv.current_url).path and
          'password' not in drv.current_url and '?' not in drv.current_url)
    rows = [tr.text for tr in drv.find_elements(By.CSS_SELECTOR, '#campaigns tbody tr')]
    check('the owner sees the campaign of their own system only',
          len(rows) == 1 and 'ekonomi' in rows[0] and '0 av 3' in rows[0], str(rows))
    page('review-campaigns')
    click_and_wait(drv.find_element(By.LINK_TEXT, 'ekonomi'))
    check('the items show user, role, group path, token, last login, inactivity, recommendation',
          item_row('bertil') is not None and
          'cn=finance-users' in item_row('bertil').text and
          'aktiv' in item_row('bertil').text and 'behåll' in item_row('bertil').text,
          item_row('bertil').text if item_row('bertil') else '')
    cec = item_row('cecilia')
    check('cecilia never logged in: inactive, revoke recommended',
          cec is not None and 'aldrig' in cec.text and 'inaktiv' in cec.text and
          'återkalla' in cec.text, cec.text if cec else '')
    own = item_row(owner)
    check('the owner\'s own item is shown, without a form, saying why',
          own is not None and not own.find_elements(By.TAG_NAME, 'form') and
          'Din egen behörighet' in own.text)
    page('review-items')
    click_and_wait(drv.find_element(By.LINK_TEXT, 'rekommenderas återkallas'))
    users = [e.text for e in drv.find_elements(By.CSS_SELECTOR, '#items th.user')]
    check('the filter "recommended revoke" shows the inactive users only',
          'cecilia' in users and 'bertil' not in users, str(users))
    page('review-items-filtered')

    decide('cecilia', 'revoke', None)
    check('a revoke without a comment is refused by authd, and the page says why',
          'Beslutet avvisades' in text() and 'comment' in text(), text()[:300])
    page('review-refused')
    decide('cecilia', 'revoke', 'slutat i lönegruppen')
    check('the owner revokes cecilia with a comment', 'Beslutet är registrerat' in text() and
          'Återkallad' in item_row('cecilia').text)
    drv.get(base + '/review/campaign?id=1')
    decide('bertil', 'keep', None)
    check('the owner keeps bertil', 'Behålls' in item_row('bertil').text)
    page('review-decided')

    ck, tok = cookie_csrf()
    st, hd, body = raw('POST', '/review/decide', cookie=ck, body={
        'csrf': tok, 'id': '1', 'subject': owner, 'role': 'anvandare',
        'decision': 'keep', 'comment': 'jag själv', 'show': 'all'})
    check('a forged decision on the owner\'s own access is refused by authd',
          st == 200 and 'Beslutet avvisades' in body and 'own access' in body, str(st))
    st, hd, body = raw('POST', '/review/decide', cookie=ck, body={
        'id': '1', 'subject': 'cecilia', 'decision': 'keep', 'comment': 'x'})
    check('a decision without the CSRF token is refused (403)', st == 403, str(st))
    drv.get(base + '/review/campaign?id=2')
    check('the owner cannot open another owner\'s campaign',
          'inte behörighet' in text(), text()[:200])
    page('review-forbidden')
    drv.get(base + '/review/campaign?id=1')
    submit('form[action="/review/accept"] button')
    check('accept-all asks first, and has nothing for the owner to accept here',
          'inga obeslutade' in text())
    submit('form[action="/logout"] button')

    # --- the security function ----------------------------------------------
    step_safe()
    review_signin(secfn, pw(secfn), code(secfn, 1))
    rows = [tr.text for tr in drv.find_elements(By.CSS_SELECTOR, '#campaigns tbody tr')]
    check('the security function sees every campaign, the overdue one first',
          len(rows) == 2 and 'arkiv' in rows[0] and 'försenad' in rows[0] and
          'ekonomi' in rows[1] and 'pågår' in rows[1], str(rows))
    page('review-campaigns-security')
    click_and_wait(drv.find_element(By.LINK_TEXT, 'arkiv'))
    submit('form[action="/review/accept"] button')
    check('accept-all shows what it will decide before it does',
          bool(drv.find_elements(By.ID, 'accept')) and owner in drv.find_element(By.ID, 'accept').text)
    page('review-accept-confirm')
    submit('form[action="/review/accept"] button')
    check('the recommendations are accepted', 'godtagna' in text() and
          'Återkallad' in item_row(owner).text, text()[:300])
    drv.get(base + '/review/campaign?id=1')
    decide(owner, 'keep', 'ekonomichef')
    check('the security function decides the owner\'s own item',
          'Behålls' in item_row(owner).text, text()[:300])
    Select(drv.find_element(By.ID, 'default')).select_by_value('')
    submit('form[action="/review/close"] button')
    check('the security function closes the campaign', 'Granskningen är avslutad' in text() and
          'avslutad' in drv.find_element(By.TAG_NAME, 'dl').text)
    page('review-closed')
    ck, tok = cookie_csrf()
    st, hd, body = raw('GET', '/review/report?id=1&format=csv', cookie=ck)
    check('the CSV report downloads as an attachment', st == 200 and
          'attachment' in hd.get('Content-Disposition', '') and
          hd.get('Content-Type', '').startswith('text/csv'), str(st))
    check('the report holds the decisions and the comment',
          re.search(r'cecilia,lon,.*,revoke,', body) is not None and
          'slutat i lönegruppen' in body and ',closed,' in body, body[:200])
    with open(os.path.join(out, 'report.csv'), 'w') as f:
        f.write(body)
    st, hd, body = raw('GET', '/review/report?id=1&format=html', cookie=ck)
    check('the HTML report downloads, the same page authctl writes',
          st == 200 and 'Ekonomisystem &lt;test&gt;' in body and '<script' not in body, str(st))
    st, hd, body = raw('GET', '/review/report?id=1&format=csv')
    check('no report without a signed-in session', st != 200 or 'cecilia' not in body, str(st))
    submit('form[action="/logout"] button')
    st, hd, body = raw('GET', '/review/report?id=1&format=csv', cookie=ck)
    check('no report with the cookie after logout', 'cecilia' not in body, str(st))
finally:
    browser.quit()
sys.exit(1 if webtest.failures else 0)
