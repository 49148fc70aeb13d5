#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# Drives a real headless Chromium (chromedriver, python3-selenium) through
# authd-web: an employee signs in and enrolls from the QR code in a
# screenshot (zbarimg), confirms with an oathtool code; then the refusals:
# a user outside the self-enrollment groups, a forged POST without the
# CSRF token, a session cookie replayed after logout, a request after the
# idle timeout, and the headers that forbid framing.  Prints "ok: ..." or
# "FAIL: ..." per check; exit 1 on any failure.  Writes the enrolled
# user's secret to OUT/secret for the PAM login that follows.
#
#   enroll_browser.py BASE OUT USER PASSWORD OTHER OTHER_PASSWORD IDLE
import os
import re
import subprocess
import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webtest  # noqa: E402
from webtest import check  # noqa: E402

base, out, user, pw, other, other_pw, idle = sys.argv[1:8]
idle = int(idle)


def raw(method, path, cookie=None, body=None, lang=None):
    return webtest.raw(base, method, path, cookie, body, lang)


def shows(by, sel):
    """Whether the page comes to show `sel` within 10 s."""
    try:
        WebDriverWait(drv, 10).until(EC.presence_of_element_located((by, sel)))
        return True
    except Exception:
        return False


def new_session():
    """A fresh session's cookie and CSRF token."""
    st, hd, body = raw('GET', '/')
    m = re.search(r'__Host-authd-web=([0-9a-f]+)', hd.get('Set-Cookie', ''))
    t = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
    return (m.group(1) if m else None), (t.group(1) if t else None)


browser = webtest.Browser()
drv = browser.drv
try:
    # --- the sign-in page: Swedish, labelled fields, strict headers --------
    drv.get(base + '/')
    check('the page is in Swedish by default',
          drv.find_element(By.TAG_NAME, 'html').get_attribute('lang') == 'sv')
    labels = [l.get_attribute('for') for l in drv.find_elements(By.TAG_NAME, 'label')]
    check('every field has a label', sorted(labels) == ['password', 'user'], str(labels))
    st, hd, body = raw('GET', '/')
    csp = hd.get('Content-Security-Policy', '')
    check('CSP forbids framing and script', "frame-ancestors 'none'" in csp and
          "default-src 'none'" in csp and 'script-src' not in csp, csp)
    check('X-Frame-Options DENY', hd.get('X-Frame-Options') == 'DENY')
    check('no caching', hd.get('Cache-Control') == 'no-store')
    sc = hd.get('Set-Cookie', '')
    check('the cookie is Secure, HttpOnly, SameSite=Strict',
          all(x in sc for x in ('Secure', 'HttpOnly', 'SameSite=Strict')), sc)
    check('no inline script or style', '<script' not in body and 'style=' not in body)
    st, hd, body = raw('GET', '/', lang='en-GB,en;q=0.9,sv;q=0.5')
    check('English when the browser prefers it', '<html lang="en"' in body and
          'User name' in body)

    # --- a framing page from another origin shows nothing -------------------
    frame = os.path.join(out, 'frame.html')
    with open(frame, 'w') as f:
        f.write('<!DOCTYPE html><iframe id="f" src="%s/" width="600" '
                'height="400"></iframe>' % base)
    drv.get('file://' + frame)
    time.sleep(1)
    drv.switch_to.frame(drv.find_element(By.ID, 'f'))
    framed = drv.find_elements(By.ID, 'user')
    drv.switch_to.default_content()
    check('the page refuses to be framed by another origin', not framed)

    # --- a wrong password, then a user outside the groups -------------------
    def sign_in(name, password):
        drv.get(base + '/')
        drv.find_element(By.ID, 'user').send_keys(name)
        drv.find_element(By.ID, 'password').send_keys(password)
        drv.find_element(By.CSS_SELECTOR, 'button[type=submit]').click()

    sign_in(user, 'wrong-password')
    check('a wrong password is not accepted', 'Inloggningen godtogs inte' in drv.page_source
          and not drv.find_elements(By.CSS_SELECTOR, 'svg.qr'))
    sign_in(other, other_pw)
    check('a user outside the self-enrollment groups is refused',
          'inte registrera' in drv.page_source and
          not drv.find_elements(By.CSS_SELECTOR, 'svg.qr'))

    # --- the employee enrolls -----------------------------------------------
    # The step must not roll over between the code and its check; wait
    # here, before the session starts to idle (IDLE is a few seconds, and
    # a wait between the QR code and the code could outlast it).
    if 30 - time.time() % 30 < 12:
        time.sleep(30 - time.time() % 30 + 1)
    sign_in(user, pw)
    check('after sign-in the page shows a QR code', shows(By.CSS_SELECTOR, 'svg.qr'))
    shot = os.path.join(out, 'enroll.png')
    drv.save_screenshot(shot)
    z = subprocess.run(['zbarimg', '--raw', '-q', shot], capture_output=True, text=True)
    uri = z.stdout.strip()
    check('zbarimg decodes an otpauth URI from the screenshot',
          uri.startswith('otpauth://totp/') and ':' + user + '?' in uri, repr(uri[:30]))
    m = re.search(r'[?&]secret=([A-Z2-7]+)', uri)
    secret = m.group(1) if m else ''
    shown = drv.find_element(By.ID, 'secret').text if drv.find_elements(By.ID, 'secret') else ''
    check('the secret shown as text is the one in the QR code', secret != '' and shown == secret)
    check('no secret in the URL', secret not in drv.current_url)
    code = subprocess.run(['oathtool', '--totp', '-b', '-d', '6', secret],
                          capture_output=True, text=True).stdout.strip()
    drv.find_element(By.ID, 'code').send_keys(code)
    drv.find_element(By.CSS_SELECTOR, 'form[action="/confirm"] button').click()
    check('the code confirms the token', shows(By.ID, 'done'))
    with open(os.path.join(out, 'secret'), 'w') as f:
        f.write(secret + '\n')

    # --- a forged POST without the CSRF token -------------------------------
    cookie = drv.get_cookie('__Host-authd-web')
    cookie = cookie['value'] if cookie else ''
    csrf = drv.find_element(By.NAME, 'csrf').get_attribute('value')
    st, hd, body = raw('POST', '/logout', cookie=cookie, body={})
    check('a POST without the CSRF token is refused (403)', st == 403, str(st))
    st, hd, body = raw('POST', '/logout', cookie=cookie, body={'csrf': '0' * 64})
    check('a POST with a wrong CSRF token is refused (403)', st == 403, str(st))
    drv.get(base + '/')
    check('the session survived the forged POSTs', shows(By.ID, 'done'))

    # --- the cookie replayed after logout -----------------------------------
    drv.find_element(By.CSS_SELECTOR, 'form[action="/logout"] button').click()
    check('after logout the sign-in page shows', shows(By.ID, 'password'))
    st, hd, body = raw('POST', '/logout', cookie=cookie, body={'csrf': csrf})
    check('the old cookie with its CSRF token is refused after logout (403)',
          st == 403, str(st))
    st, hd, body = raw('GET', '/', cookie=cookie)
    check('the old cookie opens no signed-in page', 'id="done"' not in body and
          'id="password"' in body)

    # --- a request after the idle timeout -----------------------------------
    ck, tok = new_session()
    time.sleep(idle + 2)
    st, hd, body = raw('POST', '/login', cookie=ck,
                       body={'csrf': tok, 'user': user, 'password': pw})
    check('a request after the idle timeout is refused (403)', st == 403, str(st))
    ck, tok = new_session()
    st, hd, body = raw('POST', '/login', cookie=ck,
                       body={'csrf': tok, 'user': user, 'password': pw})
    check('an enrolled user cannot enroll over the active token',
          st == 200 and 'redan en aktiv' in body, str(st))
finally:
    browser.quit()
sys.exit(1 if webtest.failures else 0)
