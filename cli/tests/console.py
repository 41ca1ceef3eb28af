#!/usr/bin/env python3
"""Drives the web console in headless Chromium like a developer would.

Usage: console.py URL USERNAME PASSWORD APP FUNCTION

Signs in through the form, finds the deployed function, invokes it from the page, waits
for the call to show in the stats and its log line in the live tail, and saves a
screenshot to $UPDRAFT_ARTIFACTS_DIR/console.png (default /tmp/updraft-artifacts).
Exits non-zero, with a screenshot of the failure, when anything is missing.
"""

import os
import re
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,2200"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def by_testid(testid, extra=""):
    return (By.CSS_SELECTOR, f'[data-testid="{testid}"]{extra}')


def wait_for(driver, what, predicate, timeout=30):
    """Polls predicate(driver) until it returns something truthy; fails naming `what`."""
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.25).until(predicate)
    except Exception as error:  # noqa: BLE001 - any failure here is the test's failure
        raise AssertionError(f"timed out waiting for {what}") from error


def run(driver, url, username, password, app, function):
    driver.get(f"{url}/console")
    wait_for(driver, "the sign-in form", ec.visibility_of_element_located((By.ID, "login-form")))

    driver.find_element(By.ID, "login-username").send_keys(username)
    driver.find_element(By.ID, "login-password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()

    row_selector = by_testid("function-row", f'[data-app="{app}"][data-function="{function}"]')
    row = wait_for(driver, f"{app}/{function} in the function list", ec.visibility_of_element_located(row_selector))
    assert row.find_element(*by_testid("function-revision")).text == "1", row.text
    assert row.find_element(*by_testid("function-auth")).text == "public", row.text
    assert f"/fn/{app}/{function}" in row.text, row.text
    token = driver.execute_script("return sessionStorage.getItem('updraft.token')")
    assert token and token.count(".") == 2, "the token is kept in sessionStorage"

    row.find_element(*by_testid("open-function")).click()
    wait_for(driver, "the function panel", ec.text_to_be_present_in_element(by_testid("function-title"), f"{app}/{function}"))
    wait_for(driver, "the live log tail to connect", ec.text_to_be_present_in_element(by_testid("log-state"), "live"))

    path = driver.find_element(By.ID, "invoke-path")
    path.clear()
    path.send_keys("/?name=Console")
    driver.find_element(*by_testid("invoke-button")).click()
    wait_for(driver, "the invocation's status", ec.text_to_be_present_in_element(by_testid("invoke-status"), "200"))
    invocation_id = driver.find_element(*by_testid("invoke-id")).text
    assert re.fullmatch(r"[0-9a-f]{32}", invocation_id), f"invocation id {invocation_id!r}"
    body = driver.find_element(*by_testid("invoke-body")).text
    assert "Hello, Console!" in body, body

    def calls(d):
        text = d.find_element(*by_testid("stat-calls")).text
        return text.isdigit() and int(text) >= 1

    wait_for(driver, "the call count to reach 1", calls)

    def logged(d):
        lines = [li.text for li in d.find_elements(*by_testid("log-line"))]
        return any("invocation status 200" in line for line in lines)

    wait_for(driver, "the log line in the live tail", logged)

    # The rate chart drew a bar: a pixel of the calls colour below the legend.
    drawn = driver.execute_script(
        """
        const c = document.getElementById('rate-chart');
        const data = c.getContext('2d').getImageData(0, 24, c.width, c.height - 24).data;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i] === 0x24 && data[i + 1] === 0x59 && data[i + 2] === 0xc9) return true;
        }
        return false;
        """
    )
    assert drawn, "the rate chart shows the call"

    # Scaling polled at least once (its figures are numbers).
    assert driver.find_element(*by_testid("scale-machines")).text.isdigit()

    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors, f"browser errors (CSP violations, script errors): {errors}"


def main():
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    url, username, password, app, function = sys.argv[1:]
    artifacts = os.environ.get("UPDRAFT_ARTIFACTS_DIR", "/tmp/updraft-artifacts")
    os.makedirs(artifacts, exist_ok=True)
    driver = browser()
    started = time.monotonic()
    try:
        run(driver, url, username, password, app, function)
        driver.save_screenshot(os.path.join(artifacts, "console.png"))
        print(f"ok ({time.monotonic() - started:.1f} s); screenshot in {artifacts}/console.png")
        return 0
    except Exception as error:  # noqa: BLE001
        shot = os.path.join(artifacts, "console-failure.png")
        driver.save_screenshot(shot)
        print(f"console test failed: {error!r} (screenshot {shot})", file=sys.stderr)
        return 1
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main())
