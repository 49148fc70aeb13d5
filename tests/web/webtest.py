# SPDX-License-Identifier: BSD-2-Clause
#
# What the browser tests of authd-web share: the checks and their count,
# a request outside the browser, and a headless Debian Chromium driven
# through chromedriver (python3-selenium).
import http.client
import ssl
import subprocess
import tempfile
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

failures = 0


def check(what, ok, detail=''):
    """Prints "ok: WHAT" or "FAIL: WHAT DETAIL" and counts the failures."""
    global failures
    print(('ok: ' if ok else 'FAIL: ') + what + ('' if ok else ' ' + detail))
    failures += not ok


def raw(base, method, path, cookie=None, body=None, lang=None):
    """One request to `base` outside the browser: (status, headers, body)."""
    host = urllib.parse.urlparse(base)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c = http.client.HTTPSConnection(host.hostname, host.port, context=ctx,
                                    timeout=30)
    h = {}
    if cookie:
        h['Cookie'] = '__Host-authd-web=' + cookie
    if lang:
        h['Accept-Language'] = lang
    if body is not None:
        body = urllib.parse.urlencode(body)
        h['Content-Type'] = 'application/x-www-form-urlencoded'
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read().decode('utf-8', 'replace')
    c.close()
    return r.status, r.headers, data


class Browser:
    """Headless Chromium in Swedish, with a profile of its own."""

    def __init__(self, width=900, height=1200):
        self.profile = tempfile.mkdtemp(prefix='authd-web-chromium.')
        opts = webdriver.ChromeOptions()
        opts.binary_location = '/usr/bin/chromium'
        for a in ('--headless=new', '--no-sandbox', '--disable-gpu',
                  '--disable-dev-shm-usage', '--hide-scrollbars',
                  '--user-data-dir=' + self.profile,
                  '--window-size=%d,%d' % (width, height), '--lang=sv-SE'):
            opts.add_argument(a)
        opts.accept_insecure_certs = True
        opts.add_experimental_option('prefs',
                                     {'intl.accept_languages': 'sv-SE,sv'})
        self.drv = webdriver.Chrome(service=Service('/usr/bin/chromedriver'),
                                    options=opts)
        self.drv.set_page_load_timeout(30)
        self.drv.set_script_timeout(30)

    def quit(self):
        self.drv.quit()
        subprocess.run(['rm', '-rf', self.profile])
