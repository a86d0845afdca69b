#!/usr/bin/env python3
"""consult's browser tests: headless Chromium (through chromedriver and selenium) against the
real `consult serve`, each server with a fresh SQLite database in a temporary folder.

    python3 Tests/Browser/browser_test.py --consult .build/debug/consult [--screenshots DIR] [unittest options]

Every page the browser reaches is checked for labelled form controls, `<html lang>`, exactly
one `h1`, the security headers and (with JavaScript on) script or content-policy errors.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import re
import sys
import tempfile
import time
import unittest
import urllib.parse
import uuid
import zipfile
import zoneinfo
from xml.etree import ElementTree
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from harness import (  # noqa: E402
    Browser, ConsultServer, Settings, http, iso_utc, parse_utc, security_header_problems, set_cookies, utc_now,
)

SURVEY = "neurotech-2025"
SURVEY_TITLE = "Neurotechnology in law enforcement and criminal justice"
SECTIONS = 9
SECTOR_OTHER = "Forensic neuroscience consultancy"

_shared: ConsultServer | None = None


def setUpModule():
    global _shared
    _shared = ConsultServer("respondent")
    _shared.start()


def tearDownModule():
    if _shared is not None:
        _shared.close()


class BrowserTestCase(unittest.TestCase):
    server: ConsultServer

    @classmethod
    def setUpClass(cls):
        cls.server = _shared

    def browser(self, **options) -> Browser:
        browser = Browser(self.server, **options)
        self.addCleanup(browser.quit)
        return browser

    # The respondent's steps ------------------------------------------------------------

    def start_response(self, browser: Browser, screenshots: bool = False) -> None:
        """From the introduction, the Start button creates a draft and opens page 1."""
        browser.open(f"/s/{SURVEY}", screenshot="introduction" if screenshots else None)
        self.assertEqual(browser.h1(), SURVEY_TITLE)
        browser.click(f'form[action="/s/{SURVEY}/start"] button[type=submit]',
                      screenshot="section" if screenshots else None)
        self.assert_on_page(browser, 1)

    def assert_on_page(self, browser: Browser, number: int) -> None:
        self.assertEqual(browser.url_path, f"/s/{SURVEY}/page/{number}", browser.text("main")[:500])
        self.assertEqual(browser.status, 200, browser.text("main")[:500])
        progress = browser.find("progress")
        self.assertEqual(progress.get_attribute("value"), str(number))
        self.assertEqual(progress.get_attribute("max"), str(SECTIONS))
        self.assertIn(f"Page {number} of {SECTIONS}", browser.text(".progress-text"))
        self.assertFalse(browser.exists(".error-summary"), browser.text("main")[:1500])

    def next_page(self, browser: Browser, number: int, screenshot: str | None = None) -> None:
        """Presses "Save and continue" on page `number` and expects page `number + 1`."""
        browser.click('button[name=action][value=next]', screenshot=screenshot)
        self.assert_on_page(browser, number + 1)

    def rate_matrix(self, browser: Browser, question: str, items: int, value) -> None:
        """Rates every item of a matrix (`value(index)` is the point for the index-th row)."""
        radios = browser.find_all(f'input[type=radio][name^="q.{question}."]')
        names = list(dict.fromkeys(radio.get_attribute("name") for radio in radios))
        self.assertEqual(len(names), items, f"rows of the matrix {question}")
        for index, name in enumerate(names):
            item = name.split(".", 2)[2]
            browser.pick(f"q-{question}-{item}-{value(index)}")

    def fill_required(self, browser: Browser, publication: str = "confidential") -> None:
        """Answers only what neurotech-2025 requires (sector "Other" with its text), page 1 to the review."""
        self.assert_on_page(browser, 1)
        browser.pick("q-sector-other")
        browser.type("q-sector-other-text", SECTOR_OTHER)
        browser.choose("q-country", "DE")
        browser.pick("q-organisation_size-individual", "q-familiarity-2")
        self.next_page(browser, 1)
        browser.pick("q-technologies_known-none_known")
        self.next_page(browser, 2)
        for number in (3, 4):
            self.next_page(browser, number)
        self.rate_matrix(browser, "rights_concern", 10, lambda index: 3)
        for number in (5, 6, 7, 8):
            self.next_page(browser, number)
        browser.pick(f"q-publication-{publication}")
        browser.click('button[name=action][value=review]')
        self.assert_on_review(browser)

    def assert_on_confirmation(self, browser: Browser, heading: str, not_before: dt.datetime) -> None:
        """A resume or edit link shows a confirmation with when the response was started, binding nothing yet."""
        self.assertEqual(browser.status, 200, browser.text("main")[:500])
        self.assertEqual(browser.h1(), heading)
        started = parse_utc(browser.find("main p time").get_attribute("datetime"))
        self.assertTrue(not_before <= started <= utc_now(), started)
        self.assertIn("UTC", browser.text("main"))
        self.assertFalse(any(cookie["name"] == "consult_draft" for cookie in browser.driver.get_cookies()))

    def assert_on_review(self, browser: Browser, screenshot: str | None = None) -> None:
        self.assertEqual(browser.url_path, f"/s/{SURVEY}/review", browser.text("main")[:1000])
        self.assertEqual(browser.status, 200)
        self.assertEqual(browser.h1(), "Check your answers")
        self.assertFalse(browser.exists(".error-summary"), browser.text(".error-summary") if browser.exists(".error-summary") else "")
        if screenshot:
            browser.screenshot(screenshot)

    def assert_review_has_no_problems(self, browser: Browser) -> None:
        """A complete response's review page marks no answer as a problem."""
        marked = [row.text.replace("\n", ": ")[:120] for row in browser.find_all(".review-row.has-error")]
        if marked:
            self.fail(f"{len(marked)} answers of a complete response are marked as problems, e.g. "
                      + "; ".join(repr(row) for row in marked[:3]))
        errors = [error.text for error in browser.find_all("main .error")]
        if errors:
            self.fail(f"the review page shows error texts: {errors[:3]}")

    def review_answers(self, browser: Browser) -> dict[str, str]:
        answers = {}
        for row in browser.find_all(".review-row"):
            answers[row.find_element(By.CSS_SELECTOR, "dt").text.strip()] = row.find_element(By.CSS_SELECTOR, "dd").text.strip()
        return answers

    def submit(self, browser: Browser, screenshot: str | None = None) -> str:
        """Presses "Submit your response" and returns the submission id the confirmation shows."""
        browser.click(f'form[action="/s/{SURVEY}/submit"] button[type=submit]', screenshot=screenshot)
        self.assertEqual(browser.url_path, f"/s/{SURVEY}/done", browser.text("main")[:1000])
        self.assertEqual(browser.status, 200)
        self.assertEqual(browser.h1(), "Your response is received")
        submission = browser.text("#submission-id").strip()
        self.assertRegex(submission, r"^[0-9A-Za-z_-]{8,}$")
        return submission

    def stored_answers(self, browser: Browser, submission: str) -> dict:
        """The answers as stored, read with the private edit link's token through the API."""
        link = browser.value("edit-link")
        parts = urllib.parse.urlsplit(link)
        self.assertEqual(parts.path, f"/s/{SURVEY}/edit/{submission}")
        token = urllib.parse.parse_qs(parts.query)["token"][0]
        result = self.server.api("GET", f"/api/v1/submissions/{submission}", token=token)
        self.assertEqual(result.status, 200, result)
        return result.json()["answers"]


# =========================================================================================


class RespondentWithJavaScript(BrowserTestCase):
    def test_home_lists_surveys_with_status_and_deadlines(self):
        browser = self.browser()
        browser.open("/", screenshot="home")
        self.assertEqual(browser.h1(), "Consultations")
        surveys = {survey["id"]: survey for survey in self.server.api("GET", "/api/v1/surveys").json()}
        cards = browser.find_all(".survey-card")
        self.assertEqual(len(cards), len(surveys))
        for card in cards:
            link = card.find_element(By.CSS_SELECTOR, "h2 a")
            survey = surveys[link.get_attribute("href").rsplit("/", 1)[1]]
            self.assertEqual(link.text, survey["title"])
            status = card.find_element(By.CSS_SELECTOR, ".status").text
            self.assertEqual(status, {"open": "Open", "closed": "Closed", "upcoming": "Not open yet"}[survey["status"]])
            deadline = card.find_element(By.CSS_SELECTOR, "time")
            self.assertEqual(parse_utc(deadline.get_attribute("datetime")), parse_utc(survey["closes_at"]))
            self.assertIn("UTC", card.text)
        neurotech = next(card for card in cards if SURVEY in card.find_element(By.CSS_SELECTOR, "a").get_attribute("href"))
        self.assertIn("Open", neurotech.text)
        self.assertIn("Europe/Vienna", neurotech.text, "the deadline in the survey's own zone")
        browser.click_element(neurotech.find_element(By.CSS_SELECTOR, "h2 a"))
        self.assertEqual(browser.url_path, f"/s/{SURVEY}")
        self.assertIn("UTC", browser.text(".deadline"))

    def test_full_response_with_resume_link_receipt_and_verification(self):
        started = utc_now().replace(microsecond=0)
        browser = self.browser()
        self.start_response(browser, screenshots=True)

        # Page 1: single choice with "Other" and its text, country list, text, number, scale, e-mail.
        self.assertFalse(browser.displayed("q-sector-other-text"), "the 'please specify' box is hidden until Other is chosen")
        browser.pick("q-sector-other")
        self.assertTrue(browser.displayed("q-sector-other-text"), "choosing Other reveals the 'please specify' box")
        browser.type("q-sector-other-text", SECTOR_OTHER)
        browser.choose("q-country", "AT")
        browser.type("q-organisation", "Neuro Lab Vienna")
        browser.pick("q-organisation_size-size_10_49")
        browser.type("q-role", "Forensic examiner")
        browser.pick("q-familiarity-4")
        browser.type("q-experience_years", "12")
        browser.type("q-respondent_name", "Rita Respondent")
        browser.type("q-contact_email", "rita@example.org")
        self.next_page(browser, 1)

        # Page 2: multiple choice with "Other", and a question shown only if org_uses = yes.
        browser.pick("q-technologies_known-eeg_erp", "q-technologies_known-p300_cit", "q-technologies_known-other")
        browser.type("q-technologies_known-other-text", "Eye-tracking lie detection")
        self.assertFalse(browser.displayed("q-org_uses_which-block"), "org_uses_which is hidden until org_uses = yes")
        browser.pick("q-org_uses-yes")
        self.assertTrue(browser.displayed("q-org_uses_which-block"), "org_uses = yes shows org_uses_which")
        self.assertTrue(browser.displayed("q-org_uses_details-block"), "org_uses = yes shows org_uses_details")
        browser.pick("q-org_uses_which-eeg_erp")
        browser.type("q-org_uses_details", "A six-month EEG pilot for officer fatigue.\nWe stopped it.")
        self.next_page(browser, 2)

        # Leave: keep the resume link, forget every cookie, come back through the link.
        resume = browser.value("resume-link")
        self.assertTrue(resume.startswith(self.server.url(f"/s/{SURVEY}/resume/")), resume)
        browser.driver.delete_all_cookies()
        browser.open(f"/s/{SURVEY}/page/3")
        self.assertEqual(browser.url_path, f"/s/{SURVEY}", "without its cookies the browser has no draft")
        browser.open(resume, screenshot="continue")
        self.assert_on_confirmation(browser, "Continue your response?", started)
        browser.click("#continue")
        self.assert_on_page(browser, 1)
        self.assertNotEqual(browser.value("resume-link"), resume, "continuing gives this browser a new resume link")
        self.assertTrue(browser.checked("q-sector-other"))
        self.assertEqual(browser.value("q-sector-other-text"), SECTOR_OTHER)
        self.assertTrue(browser.displayed("q-sector-other-text"))
        self.assertEqual(browser.selected_option("q-country"), "AT")
        self.assertEqual(browser.value("q-experience_years"), "12")
        self.assertEqual(browser.value("q-contact_email"), "rita@example.org")
        self.next_page(browser, 1)
        self.assertTrue(browser.checked("q-org_uses-yes"))
        self.assertTrue(browser.displayed("q-org_uses_which-block"))
        self.assertTrue(browser.checked("q-org_uses_which-eeg_erp"))
        self.assertEqual(browser.value("q-technologies_known-other-text"), "Eye-tracking lie detection")
        self.next_page(browser, 2)

        # Page 3: matrix, single choice, textarea.
        self.rate_matrix(browser, "uses_status", 7, lambda index: index % 4)
        browser.pick("q-adoption_horizon-years_6_to_10")
        browser.type("q-uses_comments", "Credibility assessment is the use that worries us.")
        self.next_page(browser, 3)
        # Page 4: multiple choice with a maximum, scale, textarea.
        browser.pick("q-expected_benefits-better_evidence", "q-expected_benefits-exonerating_innocent")
        browser.pick("q-overall_benefit-3")
        browser.type("q-benefits_comments", "Only with validated tools.")
        self.next_page(browser, 4)
        # Page 5: the required matrix.
        self.rate_matrix(browser, "rights_concern", 10, lambda index: 5 - index % 2)
        browser.pick("q-scientific_reliability-2", "q-misuse_threat-high")
        browser.type("q-risks_comments", "Compelled use on suspects.")
        self.next_page(browser, 5)
        # Page 6: a second show_if branch (law_adequacy partly adequate shows law_gaps), a number.
        self.rate_matrix(browser, "safeguards_priority", 8, lambda index: 5)
        self.assertFalse(browser.displayed("q-law_gaps-block"))
        browser.pick("q-law_adequacy-partly_adequate")
        self.assertTrue(browser.displayed("q-law_gaps-block"))
        browser.type("q-law_gaps", "No rule on neural data.")
        browser.type("q-trained_staff", "25")
        self.next_page(browser, 6)
        browser.pick("q-society_readiness-2", "q-institutional_readiness-3")
        self.next_page(browser, 7)
        browser.type("q-further_comments", "Thank you.")
        browser.type("q-references", "https://example.org/report")
        self.next_page(browser, 8)
        browser.pick("q-publication-public_anonymous")
        browser.click('button[name=action][value=review]')
        self.assert_on_review(browser, screenshot="review")

        with self.subTest("the review page shows the answers as given"):
            self.assert_review_has_no_problems(browser)
            review = self.review_answers(browser)
            self.assertEqual(review["Which sector do you belong to?"], f"Other: {SECTOR_OTHER}")
            self.assertEqual(review["In which country are you or your organisation based?"], "Austria")
            self.assertEqual(review["How many years of professional experience do you have in your field?"], "12")
            self.assertEqual(review["Your contact e-mail address"], "rita@example.org")
            self.assertEqual(review["Which technologies has your organisation used, piloted or tested?"],
                             "EEG and event-related potentials")
            self.assertEqual(review["What is missing or should change in the law of your country?"],
                             "No rule on neural data.")
            self.assertIn("Mental privacy: Extremely concerned", review[
                "How concerned are you that the use of neurotechnology in law enforcement and criminal justice "
                "could harm each of the following?"])

        submission = self.submit(browser, screenshot="confirmation")
        received = browser.find("#main time").get_attribute("datetime")
        self.assertTrue(started <= parse_utc(received) <= utc_now(), received)
        self.assertIn("UTC", browser.text("dl.facts"))
        self.assertIn("Europe/Vienna", browser.text("dl.facts"))
        edit = browser.value("edit-link")
        self.assertTrue(edit.startswith(self.server.url(f"/s/{SURVEY}/edit/{submission}?token=")), edit)

        # The signed receipt, downloaded with the browser's cookies, and checked by the server.
        link = browser.find("a[download]")
        self.assertIn("Download your signed receipt", link.text)
        self.assertEqual(urllib.parse.urlsplit(link.get_attribute("href")).path, f"/s/{SURVEY}/receipt")
        download = browser.fetch("GET", link.get_attribute("href"))
        self.assertEqual(download.status, 200, download)
        self.assertIn("application/json", download.header("Content-Type"))
        self.assertIn("attachment", download.header("Content-Disposition") or "")
        receipt = download.json()
        self.assertEqual(receipt["submission_id"], submission)
        self.assertEqual(receipt["survey_id"], SURVEY)
        self.assertTrue(receipt.get("signature"))
        verdict = self.server.api("POST", "/api/v1/receipts/verify", payload=receipt)
        self.assertEqual(verdict.status, 200, verdict)
        self.assertIs(verdict.json()["valid"], True, verdict)
        forged = dict(receipt, received_at=iso_utc(utc_now() - dt.timedelta(days=30)))
        self.assertIs(self.server.api("POST", "/api/v1/receipts/verify", payload=forged).json()["valid"], False)

        stored = self.stored_answers(browser, submission)
        self.assertEqual(stored["sector"], {"choice": "other", "other": SECTOR_OTHER})
        self.assertEqual(stored["country"], "AT")
        self.assertEqual(stored["org_uses"], "yes")
        self.assertEqual(stored["org_uses_which"], ["eeg_erp"])
        self.assertEqual(stored["experience_years"], 12)
        self.assertEqual(stored["trained_staff"], 25)
        self.assertEqual(stored["law_gaps"], "No rule on neural data.")
        self.assertEqual(len(stored["rights_concern"]), 10)
        self.assertEqual(stored["publication"], "public_anonymous")

    def test_edit_link_changes_the_submission_until_the_deadline(self):
        browser = self.browser()
        self.start_response(browser)
        self.fill_required(browser, publication="confidential")
        submission = self.submit(browser)
        edit_link = browser.value("edit-link")
        first = browser.fetch("GET", f"/s/{SURVEY}/receipt").json()

        other = self.browser()  # another device: only the link
        other.open(edit_link)
        self.assertEqual(other.status, 200)
        self.assertEqual(other.h1(), "Change your submitted response?")
        self.assertIn("Continue only if you submitted this response yourself", other.text("main"))
        other.click("#continue")
        self.assert_on_page(other, 1)
        self.assertIn("changing your submission", other.text("main .muted"))
        self.assertTrue(other.checked("q-sector-other"))
        self.assertEqual(other.value("q-sector-other-text"), SECTOR_OTHER)
        other.type("q-sector-other-text", "Neuroethics board of a hospital")
        other.click('button[name=action][value=save]')
        self.assert_on_page(other, 1)
        self.assertIn("saved", other.text(".notice"))
        other.open(f"/s/{SURVEY}/review")
        self.assert_on_review(other)
        other.click(f'form[action="/s/{SURVEY}/submit"] button[type=submit]')
        self.assertEqual(other.url_path, f"/s/{SURVEY}/done")
        self.assertEqual(other.h1(), "Your changes are received")
        self.assertEqual(other.text("#submission-id"), submission)
        second = other.fetch("GET", f"/s/{SURVEY}/receipt").json()
        self.assertEqual(second["submission_id"], submission)
        self.assertEqual(second["version"], first["version"] + 1)
        self.assertNotEqual(second["answers_sha256"], first["answers_sha256"])
        self.assertIs(self.server.api("POST", "/api/v1/receipts/verify", payload=second).json()["valid"], True)
        stored = self.stored_answers(other, submission)
        self.assertEqual(stored["sector"], {"choice": "other", "other": "Neuroethics board of a hospital"})
        self.assertNotEqual(other.value("edit-link"), edit_link, "submitted changes come with a new edit link")
        browser.open(edit_link)
        self.assertEqual(browser.status, 404, "the old edit link opens nothing once changes were submitted")

    def test_a_planted_resume_link_does_not_let_its_maker_read_what_is_entered(self):
        # Someone starts an empty draft through the API and sends its resume link.
        planted = self.server.api("POST", f"/api/v1/surveys/{SURVEY}/drafts", payload={"answers": {}})
        self.assertEqual(planted.status, 201, planted)
        draft, secret = planted.json()["id"], planted.json()["resume_token"]
        link = self.server.url(f"/s/{SURVEY}/resume/{draft}?token={secret}")
        victim = self.browser()
        victim.open(link)
        self.assert_on_confirmation(victim, "Continue your response?", utc_now() - dt.timedelta(minutes=5))

        # A page of another site posts the confirmation by itself: refused, the browser stays unbound.
        attack = (f"<form method=post action='{self.server.url(f'/s/{SURVEY}/resume/{draft}')}'>"
                  f"<input type=hidden name=token value='{secret}'></form><script>document.forms[0].submit()</script>")
        victim.driver.get("data:text/html," + urllib.parse.quote(attack))
        WebDriverWait(victim.driver, 30).until(lambda driver: driver.current_url.startswith(self.server.url("/")))
        victim.arrived()
        self.assertEqual(victim.status, 403)
        self.assertEqual(victim.h1(), "This form cannot be accepted")
        victim.open(f"/s/{SURVEY}/page/1")
        self.assertEqual(victim.url_path, f"/s/{SURVEY}", "the browser is not bound to the planted draft")

        # Its user confirms on this site: the draft moves to a new secret, the link's opens nothing.
        victim.open(link)
        victim.click("#continue")
        self.assert_on_page(victim, 1)
        own = victim.value("resume-link")
        self.assertNotIn(secret, own)
        victim.type("q-organisation", "Victim's agency")
        victim.click('button[name=action][value=save]')
        self.assert_on_page(victim, 1)
        self.assertEqual(self.server.api("GET", f"/api/v1/drafts/{draft}", token=secret).status, 401)
        mine = urllib.parse.parse_qs(urllib.parse.urlsplit(own).query)["token"][0]
        self.assertEqual(self.server.api("GET", f"/api/v1/drafts/{draft}", token=mine).json()["answers"]["organisation"],
                         "Victim's agency")
        victim.open(link)
        self.assertEqual(victim.status, 404, "the planted link opens nothing any more")

    def test_validation_shows_error_summary_and_keeps_typed_values(self):
        browser = self.browser()
        self.start_response(browser)
        browser.choose("q-country", "FR")
        browser.type("q-organisation", "Acme Neuro")
        browser.type("q-role", "Engineer")
        browser.type("q-experience_years", "7")
        browser.click('button[name=action][value=next]', screenshot="section-errors")
        self.assertEqual(browser.status, 422)
        self.assertEqual(browser.url_path, f"/s/{SURVEY}/page/1")
        summary = browser.find(".error-summary")
        self.assertTrue(summary.is_displayed())
        links = summary.find_elements(By.CSS_SELECTOR, "a")
        targets = {link.get_attribute("href").split("#", 1)[1] for link in links}
        for target in targets:
            self.assertTrue(browser.exists(f"#{target}"), f"the error summary links to #{target}, which is not on the page")
        for question in ("sector", "organisation_size", "familiarity"):
            self.assertIn(f"q-{question}", targets, f"the summary names the required question {question}")
            error = browser.find(f"#q-{question}-error")
            self.assertIn(f"q-{question}-error", browser.find(f"#q-{question}").get_attribute("aria-describedby") or "")
            self.assertTrue(error.is_displayed())
        self.assertEqual(browser.driver.execute_script("return document.activeElement.id"), "error-summary",
                         "the script moves focus to the error summary")
        self.assertEqual(browser.selected_option("q-country"), "FR")
        self.assertEqual(browser.value("q-organisation"), "Acme Neuro")
        self.assertEqual(browser.value("q-role"), "Engineer")
        self.assertEqual(browser.value("q-experience_years"), "7")

        # Wrong values come back as typed, with their own messages.
        browser.pick("q-sector-academia", "q-organisation_size-size_1_9", "q-familiarity-3")
        browser.type("q-experience_years", "seventy")
        browser.type("q-contact_email", "not-an-email")
        browser.click('button[name=action][value=next]')
        self.assertEqual(browser.status, 422)
        targets = {link.get_attribute("href").split("#", 1)[1] for link in browser.find_all(".error-summary a")}
        self.assertEqual(targets, {"q-experience_years", "q-contact_email"})
        self.assertEqual(browser.value("q-experience_years"), "seventy")
        self.assertEqual(browser.value("q-contact_email"), "not-an-email")
        self.assertEqual(browser.find("#q-experience_years").get_attribute("aria-invalid"), "true")
        self.assertTrue(browser.checked("q-sector-academia"))
        self.assertEqual(browser.value("q-organisation"), "Acme Neuro")
        # Corrected, the page is accepted.
        browser.type("q-experience_years", "7")
        browser.type("q-contact_email", "acme@example.org")
        self.next_page(browser, 1)

    def test_validation_reports_every_problem_of_a_page_at_once(self):
        """A page with a wrong value and a blank required question names both in one go."""
        browser = self.browser()
        self.start_response(browser)
        browser.pick("q-sector-academia", "q-familiarity-3")
        browser.choose("q-country", "FR")
        browser.type("q-experience_years", "seventy")  # wrong; organisation_size (required) left blank
        browser.click('button[name=action][value=next]')
        self.assertEqual(browser.status, 422)
        targets = {link.get_attribute("href").split("#", 1)[1] for link in browser.find_all(".error-summary a")}
        self.assertEqual(targets, {"q-experience_years", "q-organisation_size"})

    def test_unknown_pages_and_links_are_not_found(self):
        browser = self.browser()
        self.start_response(browser)
        browser.open(f"/s/{SURVEY}/page/{SECTIONS + 1}")
        self.assertEqual(browser.status, 404)
        browser.open("/s/no-such-survey")
        self.assertEqual(browser.status, 404)
        browser.open(f"/s/{SURVEY}/resume/0123456789abcdef?token=wrong")
        self.assertEqual(browser.status, 404)

    def test_phone_width_has_no_horizontal_scrolling(self):
        browser = self.browser(phone=True)
        self.start_response(browser)

        too_wide = []

        def check(where):
            width, inner, scroll = browser.driver.execute_script(
                "return [window.innerWidth, document.documentElement.clientWidth, document.documentElement.scrollWidth]")
            if width != 390 or scroll > width or scroll > inner:
                too_wide.append(f"{where}: the document is {scroll} px wide; the browser zoomed out to {width} px")

        for number in range(1, SECTIONS + 1):
            browser.open(f"/s/{SURVEY}/page/{number}", screenshot="section-phone" if number == 3 else None)
            check(f"page {number}")
        browser.open("/s/neurotech-2025/page/1")
        browser.click('button[name=action][value=next]')
        self.assertEqual(browser.status, 422)
        check("page 1 with errors")
        browser.open(f"/s/{SURVEY}/review")
        check("the review")
        browser.open(f"/s/{SURVEY}")
        check("the introduction")
        browser.open("/")
        check("the survey list")
        if too_wide:
            self.fail("at 390 px wide:\n  " + "\n  ".join(too_wide))

    def test_security_headers_on_pages_assets_and_errors(self):
        start = http("GET", self.server.url(f"/s/{SURVEY}"))
        session = set_cookies(start)["consult_session"]
        token = re.search(r'name="csrf" value="([^"]+)"', start.text).group(1)
        started = http("POST", self.server.url(f"/s/{SURVEY}/start"),
                       body=f"csrf={token}".encode(),
                       headers={"Cookie": f"consult_session={session}",
                                "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(started.status, 303, started)
        cookies = f"consult_session={session}; consult_draft={set_cookies(started)['consult_draft']}"
        checks = [
            ("GET", "/", None), ("GET", f"/s/{SURVEY}", None), ("GET", f"/s/{SURVEY}/page/1", cookies),
            ("GET", f"/s/{SURVEY}/review", cookies), ("GET", "/s/no-such-survey", None),
            ("POST", f"/s/{SURVEY}/start", cookies), ("GET", "/assets/consult.css", None),
            ("GET", "/assets/consult.js", None), ("GET", "/api/v1/surveys", None), ("GET", "/sign-in", None),
        ]
        for method, path, cookie in checks:
            with self.subTest(path=path, method=method):
                headers = {"Cookie": cookie} if cookie else {}
                if method == "POST":
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
                result = http(method, self.server.url(path), body=b"" if method == "POST" else None, headers=headers)
                self.assertLess(result.status, 500, result)
                problems = security_header_problems({name.lower(): value for name, value in result.headers.items()})
                self.assertEqual(problems, [], f"{method} {path} ({result.status})")
        self.assertIn("text/css", http("GET", self.server.url("/assets/consult.css")).header("Content-Type"))
        self.assertIn("javascript", http("GET", self.server.url("/assets/consult.js")).header("Content-Type"))

    def test_forms_refuse_missing_or_foreign_csrf_tokens(self):
        browser = self.browser()
        browser.open(f"/s/{SURVEY}")
        own_token = browser.find(f'form[action="/s/{SURVEY}/start"] input[name=csrf]').get_attribute("value")
        cookies = browser.cookie_header()
        self.assertIn("consult_session=", cookies)
        # Another browser's session and its (valid, but not ours) token.
        other = http("GET", self.server.url(f"/s/{SURVEY}"))
        foreign_token = re.search(r'name="csrf" value="([^"]+)"', other.text).group(1)
        self.assertNotEqual(foreign_token, own_token)

        before = self.server.stats()
        for label, form in (("no token", []), ("empty token", [("csrf", "")]),
                            ("another session's token", [("csrf", foreign_token)]),
                            ("a forged token", [("csrf", own_token[:-2] + ("AA" if not own_token.endswith("AA") else "BB"))])):
            with self.subTest(label):
                refused = browser.fetch("POST", f"/s/{SURVEY}/start", form=form, cookies=cookies)
                self.assertEqual(refused.status, 403, refused)
                self.assertNotIn("consult_draft", set_cookies(refused))
        self.assertEqual(self.server.stats()["open_drafts"], before["open_drafts"], "a refused start made a draft")
        # The same post with the session's own token is accepted (so the refusals are the token's doing).
        accepted = browser.fetch("POST", f"/s/{SURVEY}/start", form=[("csrf", own_token)], cookies=cookies)
        self.assertEqual(accepted.status, 303, accepted)
        self.assertEqual(self.server.stats()["open_drafts"], before["open_drafts"] + 1)

        # Saving a page and submitting need the token too.
        self.start_response(browser)
        saved = browser.fetch("POST", f"/s/{SURVEY}/page/1",
                              form=[("csrf", foreign_token), ("q.organisation", "Forged Org"), ("action", "save")])
        self.assertEqual(saved.status, 403, saved)
        browser.open(f"/s/{SURVEY}/page/1")
        self.assertEqual(browser.value("q-organisation"), "", "a refused page post changed the draft")
        submissions = self.server.stats()["submissions"]
        submitted = browser.fetch("POST", f"/s/{SURVEY}/submit", form=[])
        self.assertEqual(submitted.status, 403, submitted)
        self.assertEqual(self.server.stats()["submissions"], submissions)


class RespondentWithoutJavaScript(BrowserTestCase):
    def test_full_response_without_javascript(self):
        browser = self.browser(javascript=False)
        self.start_response(browser)
        self.assertNotIn("js", (browser.find("html").get_attribute("class") or "").split(),
                         "the page script ran although JavaScript is off")
        # Without the script the "please specify" box and conditional questions are always shown.
        self.assertTrue(browser.displayed("q-sector-other-text"))
        browser.pick("q-sector-other")
        browser.type("q-sector-other-text", SECTOR_OTHER)
        browser.choose("q-country", "KE")
        browser.pick("q-organisation_size-size_50_249", "q-familiarity-5")
        self.next_page(browser, 1)
        self.assertTrue(browser.displayed("q-org_uses_which-block"))
        self.assertIn("Answer this only if you chose “Yes”", browser.text("#q-org_uses_which-block .condition"))
        browser.pick("q-technologies_known-fmri", "q-org_uses-no")
        browser.pick("q-org_uses_which-fmri")  # answered although org_uses = no: must be dropped
        self.next_page(browser, 2)
        self.next_page(browser, 3)
        self.next_page(browser, 4)
        self.rate_matrix(browser, "rights_concern", 10, lambda index: 1 + index % 5)
        self.next_page(browser, 5)
        for number in (6, 7, 8):
            self.next_page(browser, number)
        browser.pick("q-publication-public_named")
        browser.click('button[name=action][value=review]')
        self.assert_on_review(browser)
        with self.subTest("the review page shows the answers as given"):
            self.assert_review_has_no_problems(browser)
            review = self.review_answers(browser)
            self.assertEqual(review["Which sector do you belong to?"], f"Other: {SECTOR_OTHER}")
            self.assertNotIn("Which technologies has your organisation used, piloted or tested?", review)
        submission = self.submit(browser)
        stored = self.stored_answers(browser, submission)
        self.assertEqual(stored["sector"], {"choice": "other", "other": SECTOR_OTHER})
        self.assertEqual(stored["org_uses"], "no")
        self.assertNotIn("org_uses_which", stored, "an answer to a question that does not apply was stored")
        self.assertEqual(stored["publication"], "public_named")


# =========================================================================================


class LateSubmission(BrowserTestCase):
    """The deadline passes while the respondent is on the review page."""

    @classmethod
    def setUpClass(cls):
        cls.server = ConsultServer("late")
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_submit_after_the_deadline_is_refused_and_nothing_is_stored(self):
        # A response submitted in time through the API, to be edited after the deadline.
        items = ["mental_privacy", "freedom_of_thought", "mental_integrity", "psychological_continuity",
                 "self_incrimination", "fair_trial", "non_discrimination", "ill_treatment", "neural_data",
                 "informed_consent"]
        on_time = self.server.api("POST", f"/api/v1/surveys/{SURVEY}/submissions", payload={"answers": {
            "sector": "academia", "country": "DE", "organisation_size": "individual", "familiarity": 2,
            "technologies_known": ["none_known"], "rights_concern": {item: 3 for item in items},
            "publication": "confidential"}})
        self.assertEqual(on_time.status, 201, on_time)
        edit_link = f"/s/{SURVEY}/edit/{on_time.json()['id']}?token={on_time.json()['edit_token']}"

        browser = self.browser()
        self.start_response(browser)
        self.fill_required(browser)
        before = self.server.stats()

        closes = utc_now() + dt.timedelta(seconds=3)
        moved = self.server.api("PUT", f"/api/v1/surveys/{SURVEY}/deadline", token=self.server.organizer,
                                payload={"closes_at": iso_utc(closes, milliseconds=True),
                                         "reason": "Browser test: late submission"})
        self.assertEqual(moved.status, 200, moved)
        status = None
        for _ in range(150):  # the deadline passes within about 3 s; give it 15
            status = self.server.api("GET", f"/api/v1/surveys/{SURVEY}").json()["status"]
            if status == "closed" and utc_now() > closes:
                break
            time.sleep(0.1)
        self.assertEqual(status, "closed")

        browser.click(f'form[action="/s/{SURVEY}/submit"] button[type=submit]', screenshot="closed")
        self.assertEqual(browser.status, 403)
        self.assertEqual(browser.h1(), "The deadline has passed")
        self.assertIn("The deadline has passed", browser.title())
        self.assertIn("Europe/Vienna", browser.text("main"))
        after = self.server.stats()
        self.assertGreaterEqual(after["refused_late"], 1)
        self.assertEqual(after["refused_late"], before["refused_late"] + 1)
        self.assertEqual(after["submissions"], before["submissions"])

        # Every form page is closed now; the survey list and introduction say so.
        for path in (f"/s/{SURVEY}/page/1", f"/s/{SURVEY}/review"):
            browser.open(path)
            self.assertEqual(browser.status, 403, path)
            self.assertEqual(browser.h1(), "The deadline has passed", path)
        browser.open(edit_link)
        self.assertEqual(browser.status, 403, "the edit link works only until the deadline")
        self.assertEqual(browser.h1(), "The deadline has passed")
        browser.open(f"/s/{SURVEY}")
        self.assertIn("This consultation is closed", browser.text("main"))
        self.assertFalse(browser.exists(f'form[action="/s/{SURVEY}/start"]'))
        browser.open("/")
        card = next(card for card in browser.find_all(".survey-card") if SURVEY in card.find_element(By.CSS_SELECTOR, "a").get_attribute("href"))
        self.assertEqual(card.find_element(By.CSS_SELECTOR, ".status").text, "Closed")
        self.assertEqual(self.server.stats()["submissions"], before["submissions"])


# =========================================================================================


class StaffPages(BrowserTestCase):
    """Organizers and analysts sign in with their tokens (60 synthetic submissions give the charts data)."""

    @classmethod
    def setUpClass(cls):
        cls.server = ConsultServer("staff", generate=60)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def submit_form_of(self, browser: Browser, field_selector: str, screenshot: str | None = None) -> None:
        """Presses the submit button of the form that holds `field_selector`."""
        form = browser.find(field_selector).find_element(By.XPATH, "ancestor::form")
        browser.click_element(form.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit]"), screenshot)

    def sign_in(self, browser: Browser, token: str, role: str, screenshot: str | None = None) -> None:
        """Signs in on /sign-in and opens the neurotech-2025 dashboard from the role's survey list."""
        browser.open("/sign-in", screenshot=screenshot)
        self.assertEqual(browser.status, 200)
        self.assertTrue(browser.exists("form input[type=hidden][name=csrf]"), "the sign-in form carries a csrf token")
        browser.type("token", token)
        self.submit_form_of(browser, "input#token")
        self.assertEqual(browser.url_path, f"/{role}", browser.text("main")[:800])
        self.assertEqual(browser.status, 200)
        self.assertIn(f"({role})", browser.text("header"))
        link = next(link for link in browser.find_all(".survey-card h2 a") if link.get_attribute("href").endswith(f"/s/{SURVEY}"))
        browser.click_element(link)
        self.assertEqual(browser.url_path, f"/{role}/s/{SURVEY}")
        self.assertEqual(browser.status, 200)

    def test_sign_in_with_a_wrong_token_is_refused(self):
        browser = self.browser()
        browser.open("/sign-in")
        browser.type("token", "not-a-real-token")
        self.submit_form_of(browser, "input#token")
        self.assertEqual(browser.status, 401)
        self.assertEqual(browser.url_path, "/sign-in")
        for link in browser.find_all(".error-summary a"):
            target = link.get_attribute("href").split("#", 1)[1]
            self.assertTrue(browser.exists(f"#{target}"), f"the error summary links to #{target}, which is not on the page")
        self.assertEqual(browser.value("token"), "", "a refused token is not echoed back")
        for path in ("/organizer", f"/organizer/s/{SURVEY}", f"/analyst/s/{SURVEY}"):
            browser.open(path)
            self.assertEqual(browser.status, 401, path)
            self.assertTrue(browser.exists('a[href="/sign-in"]'))
        # The sign-in form needs its csrf token too.
        refused = browser.fetch("POST", "/sign-in", form=[("token", self.server.organizer)])
        self.assertEqual(refused.status, 403, refused)
        self.assertNotIn("consult_staff", set_cookies(refused))

    def test_organizer_moves_the_deadline_with_a_reason_and_sees_it_in_the_audit_log(self):
        browser = self.browser()
        self.sign_in(browser, self.server.organizer, "organizer", screenshot="sign-in")
        stats = self.server.stats()
        self.assertEqual(browser.text("#figure-submissions"), str(stats["submissions"]))
        self.assertEqual(browser.text("#figure-late"), str(stats["refused_late"]))
        charts = browser.find_all("svg.chart")
        self.assertGreaterEqual(len(charts), 1, "the dashboard draws charts")
        for chart in charts:
            self.assertTrue(chart.get_attribute("aria-label") or chart.get_attribute("aria-labelledby")
                            or chart.find_elements(By.CSS_SELECTOR, "title"), "each chart has a text alternative")
        self.assertTrue(browser.exists("table#audit"))

        # A new deadline in the survey's own zone, with a reason; confirmed on the next page.
        vienna = zoneinfo.ZoneInfo("Europe/Vienna")
        new_deadline = (utc_now() + dt.timedelta(hours=5)).replace(second=0, microsecond=0)
        self.set_local_time(browser, "closes_at", new_deadline.astimezone(vienna).strftime("%Y-%m-%dT%H:%M"))
        reason = f"Extended for the partner agencies ({uuid.uuid4().hex[:8]})"
        browser.type("reason", reason)
        form = browser.find("input#closes_at").find_element(By.XPATH, "ancestor::form")
        self.assertEqual(urllib.parse.urlsplit(form.get_attribute("action")).path, f"/organizer/s/{SURVEY}/deadline")
        self.submit_form_of(browser, "input#closes_at")
        self.assertEqual(browser.status, 200, browser.text("main")[:800])
        browser.click("button#confirm")
        self.assertEqual(browser.status, 200, browser.text("main")[:800])
        self.assertEqual(browser.url_path, f"/organizer/s/{SURVEY}")
        browser.screenshot("organizer")
        closes = parse_utc(self.server.api("GET", f"/api/v1/surveys/{SURVEY}").json()["closes_at"])
        self.assertEqual(closes, new_deadline, "the deadline typed in Europe/Vienna time, in UTC")
        self.assertEqual(parse_utc(browser.find("dl.facts time").get_attribute("datetime")), new_deadline)
        rows = [row.text for row in browser.find_all("table#audit tbody tr")]
        self.assertTrue(any(reason in row and "Olga Organizer" in row for row in rows),
                        f"the audit log shows the reason and who moved the deadline: {rows[:3]}")
        self.assertIn(reason, self.server.api("GET", "/api/v1/audit", token=self.server.organizer).text)

        # Without a reason the deadline does not move, and the page says why.
        typed = (new_deadline + dt.timedelta(hours=1)).astimezone(vienna).strftime("%Y-%m-%dT%H:%M")
        self.set_local_time(browser, "closes_at", typed)
        browser.type("reason", "")
        self.submit_form_of(browser, "input#closes_at")
        self.assertEqual(browser.status, 422)
        targets = [link.get_attribute("href").split("#", 1)[1] for link in browser.find_all(".error-summary a")]
        self.assertIn("reason", targets)
        self.assertEqual(browser.value("closes_at"), typed, "the typed value is kept")
        self.assertEqual(parse_utc(self.server.api("GET", f"/api/v1/surveys/{SURVEY}").json()["closes_at"]), closes)

        # Signing out ends the staff session.
        browser.click('form[action="/sign-out"] button[type=submit]')
        self.assertEqual(browser.url_path, "/")
        browser.open(f"/organizer/s/{SURVEY}")
        self.assertEqual(browser.status, 401)

    def test_analyst_sees_tables_and_charts_and_downloads_exports(self):
        browser = self.browser()
        self.sign_in(browser, self.server.analyst, "analyst")
        browser.screenshot("analyst")
        self.assertGreaterEqual(len(browser.find_all("svg.chart")), 1)
        self.assertGreaterEqual(len(browser.find_all("table")), 1)
        links = {urllib.parse.urlsplit(link.get_attribute("href")).path for link in browser.find_all("a.download")}
        self.assertIn(f"/analyst/s/{SURVEY}/download/analysis.zip", links)
        self.assertIn(f"/analyst/s/{SURVEY}/download/responses.csv", links)
        self.assertIn(f"/analyst/s/{SURVEY}/download/analysis.xlsx", links)
        self.assertIn(f"/analyst/s/{SURVEY}/download/responses.xlsx", links)
        self.assertTrue({f"/analyst/s/{SURVEY}/download/responses.{kind}" for kind in ("sav", "dta")} <= links)  # issue #17
        for path in sorted(links):
            with self.subTest(path):
                result = browser.fetch("GET", path)
                self.assertEqual(result.status, 200, result)
                self.assertIn("attachment", result.header("Content-Disposition") or "")
                if path.endswith(".csv"):
                    rows = list(csv.reader(io.StringIO(result.body.decode("utf-8-sig"), newline="")))
                    if not path.endswith("/campaigns.csv"):  # no look-alike letters in this fixture
                        self.assertGreaterEqual(len(rows), 2, "a header and rows")
                    self.assertTrue(all(len(row) == len(rows[0]) for row in rows), "every row has the header's width")
                    if path.endswith("/responses.csv"):
                        self.assertEqual(len(rows), 61, "a header and one row per submission")
                elif path.endswith(".zip"):
                    with zipfile.ZipFile(io.BytesIO(result.body)) as archive:
                        self.assertIsNone(archive.testzip())
                        names = archive.namelist()
                        self.assertTrue(any(name.endswith(".csv") for name in names), names)
                        for name in names:
                            if name.endswith(".csv"):
                                list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"), newline="")))
                elif path.endswith(".xml"):
                    ElementTree.fromstring(result.body)
                elif path.endswith(".xlsx"):  # XLSX workbooks (issue 17); Tests/Readers reads them cell by cell
                    self.assertIn("spreadsheetml", result.header("Content-Type") or "")
                    with zipfile.ZipFile(io.BytesIO(result.body)) as archive:
                        self.assertIsNone(archive.testzip())
                        self.assertIn("xl/workbook.xml", archive.namelist())
                elif path.endswith((".sav", ".dta")):  # SPSS and Stata (issue #17): read back by pyreadstat
                    import pyreadstat
                    import tempfile
                    with tempfile.NamedTemporaryFile(suffix=path[-4:]) as file:
                        file.write(result.body)
                        file.flush()
                        read = pyreadstat.read_sav if path.endswith(".sav") else pyreadstat.read_dta
                        frame, meta = read(file.name)
                    self.assertEqual(len(frame), 60, "one row per submission")
                    self.assertEqual(meta.column_names[:2], ["respondent", "received_at"])
        # Without the staff cookie the downloads are refused.
        anonymous = http("GET", self.server.url(f"/analyst/s/{SURVEY}/download/responses.csv"))
        self.assertEqual(anonymous.status, 401, anonymous)
        # An analyst may not see the organizer's pages.
        browser.open(f"/organizer/s/{SURVEY}")
        self.assertEqual(browser.status, 403)

    # --- Organizers (issue 13): styled token field, deadline control and confirmation, audit sentences, links ---

    VIENNA = zoneinfo.ZoneInfo("Europe/Vienna")

    def set_local_time(self, browser: Browser, element_id: str, value: str) -> None:
        """Sets a datetime-local control as its picker would (typing into it depends on the locale)."""
        element = browser.find(f"input#{element_id}")
        self.assertEqual(element.get_attribute("type"), "datetime-local")
        browser.driver.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}))",
            element, value)
        self.assertEqual(browser.value(element_id), value)

    def local(self, moment: dt.datetime) -> str:
        return moment.astimezone(self.VIENNA).strftime("%Y-%m-%dT%H:%M")

    def deadline_via_api(self, moment: dt.datetime | None = None) -> dt.datetime:
        """Sets the deadline through the API (when given) and returns the one in force."""
        if moment is not None:
            moved = self.server.api("PUT", f"/api/v1/surveys/{SURVEY}/deadline", token=self.server.organizer,
                                    payload={"closes_at": iso_utc(moment), "reason": "Set up by the browser test"})
            self.assertEqual(moved.status, 200, moved)
        return parse_utc(self.server.api("GET", f"/api/v1/surveys/{SURVEY}").json()["closes_at"])

    def ask_for_deadline(self, browser: Browser, moment: dt.datetime, reason: str, screenshot: str | None = None):
        """Fills the deadline form on the organizer's survey page and posts it: the confirmation step."""
        browser.open(f"/organizer/s/{SURVEY}")
        self.set_local_time(browser, "closes_at", self.local(moment))
        browser.type("reason", reason)
        self.submit_form_of(browser, "input#closes_at")
        self.assertEqual(browser.status, 200, browser.text("main")[:800])
        self.assertEqual(browser.h1(), "Check the new deadline")
        if screenshot:
            browser.screenshot(screenshot)

    def test_organizer_token_field_is_styled_like_the_other_fields(self):
        browser = self.browser()
        browser.open("/sign-in")
        # The same control as a text field would be, in the same place: the stylesheet must treat both alike.
        styles = browser.driver.execute_script("""
            const token = document.getElementById('token');
            const text = document.createElement('input');
            text.type = 'text';
            token.parentNode.appendChild(text);
            const names = ['border-top-style', 'border-top-width', 'border-top-color', 'padding-left', 'width',
                           'font-size', 'background-color'];
            const read = (element) => Object.fromEntries(names.map((name) => [name, getComputedStyle(element)[name]]));
            const result = {token: read(token), text: read(text)};
            text.remove();
            return result;""")
        self.assertEqual(styles["token"], styles["text"])
        self.assertEqual(styles["token"]["border-top-style"], "solid", "not the browser's inset default")
        self.assertNotEqual(styles["token"]["padding-left"], "2px", "not the browser's default padding")

    def test_organizer_deadline_control_shows_the_survey_zone(self):
        browser = self.browser()
        self.sign_in(browser, self.server.organizer, "organizer")
        closes = self.deadline_via_api()
        control = browser.find("input#closes_at")
        self.assertEqual(control.get_attribute("type"), "datetime-local")
        value = browser.value("closes_at")
        self.assertRegex(value, r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
        self.assertEqual(value[:16], self.local(closes), "the deadline in force, in Europe/Vienna time")
        offset = utc_now().astimezone(self.VIENNA).strftime("%z")
        help_text = browser.text("#closes_at-help")
        self.assertIn("Europe/Vienna", help_text)
        self.assertIn(f"UTC{offset[:3]}:{offset[3:]}", help_text)
        self.assertIn("closes_at-help", control.get_attribute("aria-describedby"))
        self.assertEqual(browser.find("#closes_at-help").value_of_css_property("display"), "block")
        self.assertEqual(control.value_of_css_property("border-top-style"), "solid")

    def test_organizer_reopening_a_closed_survey_is_stated_and_moves_nothing_until_confirmed(self):
        closed_at = self.deadline_via_api((utc_now() - dt.timedelta(hours=1)).replace(second=0, microsecond=0))
        try:
            browser = self.browser()
            self.sign_in(browser, self.server.organizer, "organizer")
            self.assertIn("Closed", browser.text("p.status"))
            reopen_until = (utc_now() + dt.timedelta(hours=3)).replace(second=0, microsecond=0)
            reason = f"Reopened for late replies ({uuid.uuid4().hex[:8]})"
            self.ask_for_deadline(browser, reopen_until, reason, screenshot="organizer-confirm")
            summary = browser.text("#change-summary")
            self.assertIn("This reopens the survey, closed since", summary)
            self.assertIn(closed_at.astimezone(self.VIENNA).strftime("%-d %B %Y, %H:%M"), summary)
            self.assertIn(f"until {reopen_until.astimezone(self.VIENNA).strftime('%-d %B %Y, %H:%M')}", summary)
            self.assertIn("Europe/Vienna", summary)
            self.assertIn(reopen_until.strftime("%H:%M:%S UTC"), summary)
            self.assertIn(reason, browser.text("#confirm-reason"))
            self.assertEqual(self.deadline_via_api(), closed_at, "nothing moves before the confirmation")

            # Back: the form again, with what was typed; still nothing moved.
            browser.click("button#back")
            self.assertEqual(browser.url_path, f"/organizer/s/{SURVEY}/deadline")
            self.assertEqual(browser.value("closes_at"), self.local(reopen_until))
            self.assertEqual(browser.value("reason"), reason)
            self.assertEqual(self.deadline_via_api(), closed_at)

            self.submit_form_of(browser, "input#closes_at")
            self.assertEqual(browser.h1(), "Check the new deadline")
            browser.click("button#confirm")
            self.assertEqual(browser.url_path, f"/organizer/s/{SURVEY}")
            self.assertIn("The deadline was moved", browser.text(".notice"))
            self.assertEqual(self.deadline_via_api(), reopen_until)
            self.assertIn("Open", browser.text("p.status"))
            newest = browser.text("table#audit tbody tr")
            self.assertIn("Olga Organizer (organizer) moved the deadline from", newest)
            self.assertIn(f"because “{reason}”.", newest)
            self.assertIn(closed_at.strftime("%H:%M:%S UTC"), newest)
        finally:
            self.deadline_via_api(utc_now() + dt.timedelta(hours=2))

    def test_organizer_shortening_an_open_survey_states_the_time_lost_on_a_phone(self):
        before = self.deadline_via_api((utc_now() + dt.timedelta(hours=10)).replace(second=0, microsecond=0))
        try:
            browser = self.browser(phone=True)
            self.sign_in(browser, self.server.organizer, "organizer")
            shorter = before - dt.timedelta(hours=6)
            self.ask_for_deadline(browser, shorter, "Board meeting moved earlier", screenshot="organizer-confirm-phone")
            summary = browser.text("#change-summary")
            self.assertIn("This shortens the open survey from", summary)
            self.assertIn("respondents will have 6 hours less", summary)
            overflow = browser.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            self.assertLessEqual(overflow, 0, "the confirmation step fits a 390 px screen")
            self.assertEqual(self.deadline_via_api(), before, "nothing moves before the confirmation")

            # Someone else moves the deadline meanwhile: the words are checked again rather than confirmed blindly.
            elsewhere = self.deadline_via_api(before + dt.timedelta(hours=1))
            browser.click("button#confirm")
            self.assertEqual(browser.status, 409)
            self.assertIn("moved by someone else", browser.text(".notice"))
            self.assertIn("respondents will have 7 hours less", browser.text("#change-summary"))
            self.assertEqual(self.deadline_via_api(), elsewhere)
            browser.click("button#confirm")
            self.assertEqual(browser.url_path, f"/organizer/s/{SURVEY}")
            self.assertEqual(self.deadline_via_api(), shorter)
        finally:
            self.deadline_via_api(utc_now() + dt.timedelta(hours=2))

    def test_organizer_audit_log_reads_as_sentences_and_empty_tables_say_so(self):
        browser = self.browser()
        self.sign_in(browser, self.server.organizer, "organizer")
        rows = [row.text for row in browser.find_all("table#audit tbody tr")]
        self.assertTrue(rows, "the deadline set for the tests is in the log")
        oldest = rows[-1]
        self.assertRegex(oldest, r"\(command line\) moved the deadline from .+ to .+ because “Browser test”\.")
        self.assertNotIn("deadline.changed", browser.text("main"))
        self.assertRegex(oldest, r"\(Europe/Vienna, UTC[+-]\d{2}:\d{2}\)")
        self.assertRegex(oldest, r"\d{2}:\d{2}:\d{2} UTC")
        access = " ".join(row.text for row in browser.find_all("table#access-log tbody tr"))
        self.assertIn("Olga Organizer (organizer) signed in on the web.", access)
        self.assertRegex(access, r"\(command line\) created a token for Anton Analyst \(analyst, tk-[0-9a-f]+\), without expiry\.")
        self.assertNotIn("session.signed-in", browser.text("main"))
        # Names stay isolated from the sentence around them.
        self.assertTrue(browser.exists("table#access-log tbody tr bdi"))

        # A survey nobody has changed says so instead of showing an empty table.
        browser.open("/organizer/s/ai-risk-assessment")
        self.assertEqual(browser.status, 200)
        self.assertFalse(browser.exists("table#audit"))
        self.assertEqual(browser.text("#audit-empty"), "No changes yet.")
        self.assertEqual(browser.text("#sectors-empty"), "No submissions yet.")
        self.assertFalse(browser.exists("svg#chart-by-sector"))
        browser.screenshot("organizer-empty")

    def test_organizer_links_to_the_analysis_and_exports(self):
        browser = self.browser()
        self.sign_in(browser, self.server.organizer, "organizer")
        links = [urllib.parse.urlsplit(link.get_attribute("href")).path
                 for link in browser.find_all("#organizer-downloads a.download")]
        self.assertEqual(links, [f"/analyst/s/{SURVEY}/download/{name}"
                                 for name in ("analysis.zip", "analysis.xml", "responses.csv", "responses.xml",
                                              "analysis.xlsx", "responses.xlsx")])
        for path in links:
            with self.subTest(path):
                result = browser.fetch("GET", path)
                self.assertEqual(result.status, 200, result)
                self.assertIn("attachment", result.header("Content-Disposition") or "")
        browser.open(f"/organizer/s/{SURVEY}")
        newest = [cell.text for cell in browser.find_all("table#audit tbody tr td:nth-child(2)")][:4]
        self.assertIn("Olga Organizer (organizer) downloaded responses.csv.", newest)
        browser.click("#analysis-link")
        self.assertEqual(browser.status, 200)
        self.assertEqual(browser.url_path, f"/analyst/s/{SURVEY}")
        self.assertGreaterEqual(len(browser.find_all("svg.chart")), 1)
        # Organizers read the analysis; re-assigning sectors stays the analysts' (API) right.
        refused = self.server.api("PUT", f"/api/v1/submissions/{'0' * 32}/sector", token=self.server.organizer,
                                  payload={"sector": "academia", "reason": "Not mine to change"})
        self.assertEqual(refused.status, 403, refused)


# =========================================================================================


RISK_SURVEY = "ai-risk-assessment"
ONE_DECIMAL_PERCENT = re.compile(r"^\d{1,3}\.\d %$")


class AnalystHeatMaps(BrowserTestCase):
    """The analyst page at a glance: heat maps with sector labels, one-decimal percents and each
    base n, wrapped labels, the region "Unknown", a phone's width, and empty states."""

    @classmethod
    def setUpClass(cls):
        cls.server = ConsultServer("analyst", generate=60)
        cls.server.cli("generate", RISK_SURVEY, "--count", "40", "--seed", "3", "--surveys", str(Settings.surveys))
        cls.server.start()
        cls.empty = ConsultServer("analyst-empty")
        cls.empty.start()
        # Antarctica has no region: this respondent counts in the region "unknown".
        items = ["mental_privacy", "freedom_of_thought", "mental_integrity", "psychological_continuity",
                 "self_incrimination", "fair_trial", "non_discrimination", "ill_treatment", "neural_data",
                 "informed_consent"]
        stored = cls.server.api("POST", f"/api/v1/surveys/{SURVEY}/submissions", payload={"answers": {
            "sector": "academia", "country": "AQ", "organisation_size": "individual", "familiarity": 2,
            "technologies_known": ["none_known"], "rights_concern": {item: 3 for item in items},
            "publication": "confidential"}})
        if stored.status != 201:
            raise AssertionError(f"the Antarctic submission was refused: {stored!r}")

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        cls.empty.close()

    def analyst_page(self, survey: str, *, server: ConsultServer | None = None, phone: bool = False) -> Browser:
        server = server or self.server
        browser = Browser(server, phone=phone)
        self.addCleanup(browser.quit)
        browser.open("/sign-in")
        browser.type("token", server.analyst)
        form = browser.find("input#token").find_element(By.XPATH, "ancestor::form")
        browser.click_element(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.assertEqual(browser.url_path, "/analyst", browser.text("main")[:800])
        browser.open(f"/analyst/s/{survey}")
        self.assertEqual(browser.status, 200, browser.text("main")[:800])
        return browser

    def header_labels(self, table) -> list[str]:
        """The column headings of a heat map without their "n = …" line."""
        return table.parent.execute_script(
            "return Array.from(arguments[0].querySelectorAll('thead th')).slice(1)"
            ".map(th => th.firstChild.textContent.trim())", table)

    def test_heat_maps_show_sector_labels_one_decimal_percents_and_each_base(self):
        browser = self.analyst_page(SURVEY)
        browser.screenshot("analyst-heatmap")
        tables = browser.find_all("table.heat")
        self.assertGreaterEqual(len(tables), 3, "a heat map per closed question")
        sector_ids = {"law_enforcement", "academia", "unclassified", "all"}
        for table in tables:
            self.assertTrue(table.find_element(By.CSS_SELECTOR, "caption").get_attribute("textContent").strip(),
                            "each heat map has a caption")
            headings = self.header_labels(table)
            self.assertEqual(headings[0], "All respondents")
            self.assertFalse(sector_ids & set(headings), f"sector ids instead of labels: {headings}")
            for heading in table.find_elements(By.CSS_SELECTOR, "thead th")[1:]:
                self.assertRegex(heading.find_element(By.CSS_SELECTOR, ".n").text, r"^n = \d+$")
            self.assertEqual(table.find_element(By.CSS_SELECTOR, "thead th").get_attribute("scope"), "col")
            for row in table.find_elements(By.CSS_SELECTOR, "tbody tr"):
                self.assertEqual(row.find_element(By.CSS_SELECTOR, "th").get_attribute("scope"), "row")
                for cell in row.find_elements(By.CSS_SELECTOR, "td"):
                    self.assertTrue(ONE_DECIMAL_PERCENT.match(cell.text) or cell.text == "–", cell.text)
                    self.assertRegex(cell.get_attribute("class"), r"\bheat-(\d|none)\b")
        self.assertIn("Law enforcement", self.header_labels(tables[0]))
        # The headline tables round too; nowhere on the page more than one decimal.
        for cell in browser.find_all("#by-sector td:last-child, #by-region td:last-child"):
            self.assertRegex(cell.text, ONE_DECIMAL_PERCENT)
        self.assertNotRegex(browser.text("main"), r"\d\.\d{2,}\s?%")
        # Beside each heat map, a chart of all respondents with a text alternative.
        charts = browser.find_all("figure.all-respondents svg.chart")
        self.assertEqual(len(charts), len(tables))
        for chart in charts:
            self.assertEqual(chart.get_attribute("role"), "img")
            self.assertTrue(chart.find_elements(By.CSS_SELECTOR, "title"))
        # A long option label wraps: several lines in the chart, and its table cell is taller than a line.
        technologies = browser.find("#question-technologies_known")
        label = next(text for text in technologies.find_elements(By.CSS_SELECTOR, "svg text")
                     if "P300-based" in text.get_attribute("textContent"))
        self.assertGreater(len(label.find_elements(By.CSS_SELECTOR, "tspan")), 1, "the long label is split into lines")
        self.assertGreater(label.rect["height"], 25, "the long label takes more than one line")
        heading = next(th for th in technologies.find_elements(By.CSS_SELECTOR, "tbody th") if "P300-based" in th.text)
        line_height = float(browser.driver.execute_script(
            "return parseFloat(getComputedStyle(arguments[0]).lineHeight)", heading))
        self.assertGreater(heading.rect["height"], line_height * 1.5, "the long label wraps in the table")
        bars = technologies.find_element(By.CSS_SELECTOR, "svg.chart").rect
        self.assertLessEqual(label.rect["x"] + label.rect["width"], bars["x"] + bars["width"] + 1, "the label stays in its chart")

    def test_the_level_heat_map_names_the_sectors_by_their_labels(self):
        browser = self.analyst_page(RISK_SURVEY)
        table = browser.find("table#heat-levels")
        headings = self.header_labels(table)
        self.assertIn("Police", headings)
        self.assertIn("Customs and border agencies", headings)
        self.assertNotIn("police", headings)
        visible = browser.text("main")
        for sector_id in ("customs_border", "prosecution_courts", "technology_provider"):
            self.assertNotIn(sector_id, visible)
        levels = [row.text for row in table.find_elements(By.CSS_SELECTOR, "tbody th")]
        self.assertIn("Extremely high", levels)

    def test_the_region_of_respondents_without_one_reads_unknown(self):
        browser = self.analyst_page(SURVEY)
        regions = [cell.text for cell in browser.find_all("#by-region tbody th")]
        self.assertIn("Unknown", regions)
        self.assertNotIn("unknown", regions)

    def test_at_phone_width_nothing_scrolls_but_the_heat_map_and_chart_text_stays_readable(self):
        for survey, shot in ((SURVEY, "analyst-heatmap-phone"), (RISK_SURVEY, None)):
            with self.subTest(survey):
                browser = self.analyst_page(survey, phone=True)
                if shot:
                    browser.screenshot(shot)
                overflow = browser.driver.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                self.assertLessEqual(overflow, 0, "the document does not scroll sideways")
                sizes = browser.driver.execute_script("""
                    return Array.from(document.querySelectorAll('svg.chart text')).map(text => {
                        const svg = text.ownerSVGElement;
                        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                        return parseFloat(getComputedStyle(text).fontSize) * scale;
                    });""")
                self.assertTrue(sizes, "the page has chart text")
                self.assertGreaterEqual(min(sizes), 12, "chart text is at least 12 px")
                cells = browser.driver.execute_script("""
                    return Array.from(document.querySelectorAll('table.heat td, table.heat th'))
                        .map(cell => parseFloat(getComputedStyle(cell).fontSize));""")
                self.assertGreaterEqual(min(cells), 12, "heat-map text is at least 12 px")
                wide = browser.driver.execute_script("""
                    return Array.from(document.querySelectorAll('.heat-scroll')).some(box => box.scrollWidth > box.clientWidth);""")
                self.assertTrue(wide, "a wide heat map scrolls inside its own box")

    def test_a_server_without_submissions_says_so_in_every_table(self):
        for survey in (SURVEY, RISK_SURVEY):
            with self.subTest(survey):
                browser = self.analyst_page(survey, server=self.empty)
                if survey == SURVEY:
                    browser.screenshot("analyst-empty")
                for table in browser.find_all("main table"):
                    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
                    self.assertTrue(rows, f"table {table.get_attribute('id')} has a row")
                self.assertEqual(browser.text("#by-sector tbody"), "No submissions yet.")
                self.assertEqual(browser.text("#by-region tbody"), "No submissions yet.")
                self.assertFalse(browser.exists("table.heat"), "no heat map of nothing")
                sections = browser.find_all("section.question-chart")
                self.assertTrue(sections)
                for section in sections:
                    self.assertIn("No answers yet.", section.text)
                if survey == RISK_SURVEY:
                    self.assertEqual(browser.text("#levels-empty"), "No submissions yet.")


# Respondents' results, copies and receipts (issue 13) ===================================

RISK = "ai-risk-assessment"
RISK_TITLE = "Risk assessment of an AI use case in law enforcement"
RISK_PAGES = {2: ("lawful_basis", "proportionality"), 3: ("accuracy", "safety"), 4: ("human_oversight", "privacy"),
              5: ("discrimination", "redress"), 6: ("accountability", "traceability")}
RISK_EXAMPLE = Path(__file__).resolve().parents[2] / "Scripts" / "examples" / "ai-risk-submission.json"


class RiskAssessmentResults(BrowserTestCase):
    """The scored risk assessment shows its level, score, sections, meaning and next steps."""

    def start_risk_assessment(self, browser: Browser) -> None:
        browser.open(f"/s/{RISK}")
        browser.click(f'form[action="/s/{RISK}/start"] button[type=submit]')
        self.assertEqual(browser.url_path, f"/s/{RISK}/page/1", browser.text("main")[:800])

    def next_risk_page(self, browser: Browser, number: int) -> None:
        browser.click('button[name=action][value=next]')
        self.assertEqual(browser.url_path, f"/s/{RISK}/page/{number + 1}", browser.text("main")[:1500])

    def fill_risk_assessment(self, browser: Browser) -> None:
        """Every risk 2 × 2 (low) but discrimination 4 × 4 = 16 (high); safeguards add up to 2 (low)."""
        self.start_risk_assessment(browser)
        browser.pick("q-agency_type-police")
        browser.choose("q-country", "FR")
        browser.type("q-system_name", "Plate reader v2")
        browser.type("q-use_case_description", "Cameras read number plates and match them against a list.")
        browser.pick("q-lifecycle_stage-testing")
        self.next_risk_page(browser, 1)
        for page, risks in RISK_PAGES.items():
            for risk in risks:
                value = 4 if risk == "discrimination" else 2
                browser.pick(f"q-{risk}_likelihood-{value}", f"q-{risk}_impact-{value}")
            self.next_risk_page(browser, page)
        browser.pick("q-human_review-always", "q-bias_testing-internal", "q-audit_logging-full",
                     "q-contest_procedure-partial", "q-impact_assessment-done")
        self.next_risk_page(browser, 7)
        browser.pick("q-core_functions-yes", "q-other_rights_effects-no")
        self.next_risk_page(browser, 8)
        browser.pick("q-publication-confidential")
        browser.click('button[name=action][value=review]')
        self.assertEqual(browser.url_path, f"/s/{RISK}/review", browser.text("main")[:1500])

    def assert_result(self, browser: Browser) -> None:
        self.assertEqual(browser.text("#result-level"), "High")
        self.assertEqual(browser.text("#result-score"), "16")
        result = browser.text("#result")
        self.assertIn("Discriminatory outcomes", result)
        self.assertIn("should not move to deployment", result, "the level's meaning")
        self.assertEqual(len(browser.find_all("#result .next-steps li")), 5, "the level's next steps")
        rows = {row.find_element(By.CSS_SELECTOR, "th").text.strip():
                [cell.text.strip() for cell in row.find_elements(By.CSS_SELECTOR, "td")]
                for row in browser.find_all("#result tr.result-section")}
        self.assertEqual(rows.get("Fairness"), ["16", "High"], rows)
        self.assertEqual(rows.get("Lawfulness"), ["4", "Low"], rows)
        self.assertEqual(rows.get("Safeguards"), ["2", "Low"], rows)
        self.assertNotIn("About the use case", rows)

    def api_submission(self) -> dict:
        created = self.server.api("POST", f"/api/v1/surveys/{RISK}/submissions", payload=json.loads(RISK_EXAMPLE.read_text()))
        self.assertEqual(created.status, 201, created)
        return created.json()

    def test_result_on_review_confirmation_and_copy_with_copy_button_and_print_stylesheet(self):
        browser = self.browser()
        self.fill_risk_assessment(browser)
        with self.subTest("the review page shows what the level would be"):
            self.assertIn("if you submit", browser.text("#result-heading"))
            self.assert_result(browser)
        browser.click(f'form[action="/s/{RISK}/submit"] button[type=submit]')
        self.assertEqual(browser.url_path, f"/s/{RISK}/done", browser.text("main")[:1000])
        browser.screenshot("result")
        with self.subTest("the confirmation shows the result"):
            self.assert_result(browser)
        submission = browser.text("#submission-id").strip()
        link = browser.value("edit-link")
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["token"][0]
        with self.subTest("the API's reading of the submission has the same result"):
            read = self.server.api("GET", f"/api/v1/submissions/{submission}", token=token)
            self.assertEqual(read.status, 200, read)
            result = read.json()["result"]
            self.assertEqual((result["level"], result["score"], result["score_id"]), ("high", 16, "discrimination_risk"))
        with self.subTest("the copy button copies the private edit link"):
            browser.driver.execute_cdp_cmd("Browser.grantPermissions", {
                "origin": self.server.url(""), "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
            button = browser.find("#edit-link ~ button.copy-button")
            self.assertEqual(button.text, "Copy the link")
            button.click()
            WebDriverWait(browser.driver, 10).until(lambda driver: browser.text(".copy-status") == "Copied.")
            copied = browser.driver.execute_async_script(
                "var done = arguments[0]; navigator.clipboard.readText().then(done, function (e) { done('error: ' + e); });")
            self.assertEqual(copied, link)
        browser.click("#copy-link", screenshot="copy")
        with self.subTest("the copy shows the answers, the result and the receipt"):
            self.assertEqual(browser.url_path, f"/s/{RISK}/copy")
            self.assertEqual(browser.headers.get("cache-control"), "no-store")
            self.assert_result(browser)
            self.assertEqual(self.review_answers(browser).get("Name of the AI system"), "Plate reader v2")
            receipt = json.loads(browser.fetch("GET", f"/s/{RISK}/receipt").text)
            self.assertEqual(browser.text("#receipt-hash"), receipt["answers_sha256"])
            self.assertEqual(browser.text("#submission-id"), submission)
        with self.subTest("printed, the copy leaves out navigation and buttons"):
            self.assertTrue(browser.find("button[data-print]").is_displayed())
            browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
            try:
                for selector in ("header.site", "footer.site", "button[data-print]", "p.no-print"):
                    self.assertFalse(browser.find(selector).is_displayed(), f"{selector} is printed")
                self.assertTrue(browser.find("#result").is_displayed())
                self.assertTrue(browser.find(".receipt").is_displayed())
            finally:
                browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    def test_result_page_at_phone_width(self):
        created = self.api_submission()
        browser = self.browser(phone=True)
        browser.open(f"/s/{RISK}/edit/{created['id']}?token={created['edit_token']}")
        browser.click("#see-copy")
        browser.open(f"/s/{RISK}/done", screenshot="result-phone")
        self.assertEqual(browser.text("#result-level"), "High")
        self.assertEqual(browser.text("#result-score"), "12")
        overflow = browser.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.assertLessEqual(overflow, 0, "the result page scrolls sideways at 390 px")

    def test_the_copy_behind_an_edit_link_needs_this_sites_confirmation(self):
        created = self.api_submission()
        browser = self.browser()
        browser.open(f"/s/{RISK}/copy")
        self.assertEqual(browser.url_path, f"/s/{RISK}", "a browser without a submission sees no copy")
        browser.open(f"/s/{RISK}/edit/{created['id']}?token={created['edit_token']}")
        self.assertEqual(browser.h1(), "Change your submitted response?")
        self.assertEqual(browser.fetch("GET", f"/s/{RISK}/copy").status, 303,
                         "opening the (possibly planted) link alone must not open the copy")
        browser.click("#see-copy")
        self.assertEqual(browser.url_path, f"/s/{RISK}/copy")
        self.assertEqual(self.review_answers(browser).get("Name of the AI system"), "Licence-plate recognition on motorways")
        self.assertEqual(browser.text("#receipt-hash"), created["receipt"]["answers_sha256"])
        self.assertEqual(browser.text("#result-level"), "High")
        self.assertEqual(self.server.api("GET", f"/api/v1/submissions/{created['id']}", token=created["edit_token"])
                         .json()["version"], 1, "seeing the copy changed the submission")

    def test_receipt_check_page_tells_genuine_from_tampered(self):
        created = self.api_submission()
        receipt = created["receipt"]
        browser = self.browser()
        browser.open("/")
        browser.click('a[href="/receipts/check"]')
        self.assertEqual(browser.h1(), "Check a receipt")
        browser.type("receipt", json.dumps(receipt, indent=2))
        browser.click('form[action="/receipts/check"] button[type=submit]', screenshot="receipt-check")
        outcome = browser.text("#receipt-outcome")
        self.assertIn("This receipt is genuine", outcome)
        for fact in (RISK_TITLE, receipt["submission_id"], "version 1", receipt["answers_sha256"], "Europe/Paris", "UTC"):
            self.assertIn(fact, outcome)
        self.assertTrue(browser.text("#receipt-on-time").startswith("Yes"), browser.text("#receipt-on-time"))

        tampered = dict(receipt, answers_sha256="0" * 64)
        browser.type("receipt", json.dumps(tampered))
        browser.click('form[action="/receipts/check"] button[type=submit]')
        self.assertIn("This receipt is not valid", browser.text("#receipt-outcome"))
        self.assertIn("signature does not match", browser.text("#receipt-outcome"))

        browser.type("receipt", "not a receipt")
        browser.click('form[action="/receipts/check"] button[type=submit]')
        self.assertEqual(browser.status, 422)
        self.assertIn("This is not a receipt", browser.text("#receipt-outcome"))

    def test_risk_pairs_have_their_own_labels_and_hints_are_tied_to_their_fields(self):
        browser = self.browser()
        self.start_risk_assessment(browser)
        with self.subTest("hints are described-by of their field"):
            for field, hint in (("q-people_affected", "A whole number"), ("q-use_case_description", "At most 5000")):
                described = browser.find(f"#{field}").get_attribute("aria-describedby") or ""
                texts = [browser.text(f"#{name}") for name in described.split()]
                self.assertTrue(any(text.startswith(hint) for text in texts), f"{field}: {described} {texts}")
        legends = []
        for page in RISK_PAGES:
            browser.open(f"/s/{RISK}/page/{page}")
            for risk in RISK_PAGES[page]:
                legends.append(browser.text(f"#q-{risk}_likelihood legend"))
                impact = browser.text(f"#q-{risk}_impact legend")
                self.assertTrue(impact.startswith("Impact of "), impact)
                legends.append(impact)
        self.assertEqual(len(legends), len(set(legends)), "two risk questions share a label")
        browser.open(f"/s/{RISK}/page/7")
        described = browser.find("#q-missing_safeguards").get_attribute("aria-describedby") or ""
        self.assertIn("Choose all that apply.", [browser.text(f"#{name}") for name in described.split()])


class RiskAssessmentWithoutJavaScript(BrowserTestCase):
    def test_private_links_are_selectable_text_without_javascript(self):
        created = self.server.api("POST", f"/api/v1/surveys/{RISK}/submissions",
                                  payload=json.loads(RISK_EXAMPLE.read_text()))
        self.assertEqual(created.status, 201, created)
        created = created.json()
        browser = self.browser(javascript=False)
        browser.open(f"/s/{RISK}/edit/{created['id']}?token={created['edit_token']}")
        browser.click("#see-copy")
        self.assertFalse(browser.find("button[data-print]").is_displayed(), "a print button that cannot work")
        browser.open(f"/s/{RISK}/done")
        link = browser.find("#edit-link")
        self.assertEqual(link.get_attribute("readonly"), "true")
        self.assertIn(f"/s/{RISK}/edit/{created['id']}?token=", link.get_attribute("value"))
        self.assertFalse(browser.exists(".copy-button"), "a copy button that cannot work")
        self.assertEqual(browser.text("#result-level"), "High")
        browser.open(f"/s/{RISK}")
        browser.click(f'form[action="/s/{RISK}/start"] button[type=submit]')
        resume = browser.find("#resume-link")
        self.assertEqual(resume.get_attribute("readonly"), "true")
        self.assertIn(f"/s/{RISK}/resume/", resume.get_attribute("value"))
        self.assertFalse(browser.exists(".copy-button"))


class ReadingRoomSearch(BrowserTestCase):
    """The reading room's search (issue 14): the query and filters on the page at desktop and phone
    width, highlighted results linking to the respondent, a malformed query explained, and a search
    bulk-coded and undone. The theme is inserted with sqlite3: the codebook's pages are another part's."""

    @classmethod
    def setUpClass(cls):
        import subprocess
        cls.server = ConsultServer("search", generate=60)
        subprocess.run(["sqlite3", str(cls.server.db), """
            INSERT INTO theme (id, survey_id, guid, depth, name, colour, created_at_ms)
            VALUES (1, 'neurotech-2025', '00000000-0000-4000-8000-0000000000b1', 1, 'Mental privacy', '#0B4F8A', 0)"""],
                       check=True)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def search_page(self, *, phone: bool = False) -> Browser:
        """Signs in as the analyst and follows the dashboard's link to the search page."""
        browser = self.browser(phone=phone)
        browser.open("/sign-in")
        browser.type("token", self.server.analyst)
        form = browser.find("input#token").find_element(By.XPATH, "ancestor::form")
        browser.click_element(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.assertEqual(browser.url_path, "/analyst", browser.text("main")[:800])
        browser.open(f"/analyst/s/{SURVEY}")
        browser.click("#search-link")
        self.assertEqual(browser.url_path, f"/analyst/s/{SURVEY}/texts")
        self.assertEqual(browser.status, 200)
        return browser

    def api_total(self, **parameters) -> int:
        result = self.server.api("GET", f"/api/v1/surveys/{SURVEY}/texts?" + urllib.parse.urlencode(parameters),
                                 token=self.server.analyst)
        self.assertEqual(result.status, 200, result)
        return result.json()["total"]

    def test_search_with_filters_at_desktop_and_phone_width(self):
        for phone in (False, True):
            with self.subTest(phone=phone):
                browser = self.search_page(phone=phone)
                browser.type("q", "privacy")
                browser.choose("f-sector", "academia")
                browser.click("#search", screenshot="search-phone" if phone else "search")
                self.assertEqual(browser.status, 200)
                self.assertIn("q=privacy", browser.path)
                self.assertIn("sector=academia", browser.path)
                self.assertEqual(browser.selected_option("f-sector"), "academia", "the filter stays chosen")
                total = self.api_total(q="privacy", sector="academia")
                self.assertGreater(total, 0)
                self.assertEqual(browser.text("#result-count"), f"{total} answer{'' if total == 1 else 's'} found.")
                self.assertEqual(browser.find("#result-count").get_attribute("aria-live"), "polite")
                hits = browser.find_all(".text-hit")
                self.assertEqual(len(hits), min(total, 50))
                for hit in hits:
                    marks = [mark.text.lower() for mark in hit.find_elements(By.CSS_SELECTOR, "mark")]
                    self.assertIn("privacy", marks)
                    self.assertIn("Academia", hit.find_element(By.CSS_SELECTOR, ".hit-sector").text)
                    link = hit.find_element(By.CSS_SELECTOR, "a.respondent-link")
                    self.assertRegex(link.get_attribute("href"), rf"/analyst/s/{SURVEY}/respondents/r-[0-9a-f]{{16}}$")
                    self.assertEqual(link.text, link.get_attribute("href").rsplit("/", 1)[1])
                if phone:
                    overflow = browser.driver.execute_script(
                        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                    self.assertLessEqual(overflow, 0, "the search page does not scroll sideways on a phone")
                # A malformed query is explained beside the field; nothing is searched.
                browser.type("q", "privacy AND")
                browser.click("#search")
                self.assertEqual(browser.status, 400)
                self.assertIn("AND needs a word or phrase after it", browser.text("#q-error"))
                self.assertEqual(browser.find("#q").get_attribute("aria-invalid"), "true")
                self.assertFalse(browser.exists(".text-hit"))

    def test_bulk_code_a_search_and_undo_it(self):
        browser = self.search_page()
        browser.type("q", "consent")
        browser.choose("f-sector", "industry")
        browser.click("#search")
        total = self.api_total(q="consent", sector="industry")
        self.assertGreater(total, 0)
        self.assertEqual(self.api_total(theme="1"), 0)
        browser.choose("code-theme", "1")
        browser.click("#bulk-preview", screenshot="bulk-preview")
        self.assertEqual(browser.h1(), "Check the bulk coding")
        self.assertEqual(browser.text("#bulk-to-code"), str(total))
        self.assertEqual(self.api_total(theme="1"), 0, "the preview codes nothing")
        browser.click("#bulk-confirm")
        self.assertEqual(browser.url_path, f"/analyst/s/{SURVEY}/texts")
        self.assertIn(f"Coded {total} answers with the theme “Mental privacy”", browser.text("#bulk-notice"))
        self.assertEqual(self.api_total(theme="1"), total)
        self.assertEqual(self.api_total(q="consent", sector="industry", coded="no"), 0)
        # The theme table on the themes page changes with the coding, at desktop and phone width:
        # per question, the respondents whose answer the bulk coding reached.
        expected = self.respondents_per_question(q="consent", sector="industry")
        self.assertTrue(expected, "the coded answers answer questions")
        for phone in (False, True):
            table = self.theme_table(browser if not phone else self.search_page(phone=True))
            for sector in ("Industry and private sector", "All respondents"):
                shown = {row[0]: int(row[3]) for row in table if row[1] == "Mental privacy" and row[2] == sector}
                self.assertEqual(shown, expected, sector)
        browser.open(f"/analyst/s/{SURVEY}/texts")
        undo = browser.find_all("#bulk-codings button[id^=undo-]")
        self.assertEqual(len(undo), 1)
        browser.click_element(undo[0], screenshot="bulk-undone")
        self.assertIn("was undone", browser.text("#bulk-notice"))
        self.assertEqual(self.api_total(theme="1"), 0)
        self.assertFalse(browser.exists("#bulk-codings button[id^=undo-]"), "an undone bulk coding cannot be undone again")
        self.assertEqual(self.theme_table(browser), [], "after the undo no answer carries the theme")

    def respondents_per_question(self, **parameters) -> dict:
        """Question text → respondents with a hit, counted from every page of the search API."""
        survey = self.server.api("GET", f"/api/v1/surveys/{SURVEY}").json()
        texts = {question["id"]: question["text"] for section in survey["sections"] for question in section["questions"]}
        seen, after = set(), None
        while True:
            query = dict(parameters, limit=100, **({"after": after} if after else {}))
            page = self.server.api("GET", f"/api/v1/surveys/{SURVEY}/texts?" + urllib.parse.urlencode(query),
                                   token=self.server.analyst).json()
            seen.update((hit["question"], hit["respondent"]) for hit in page["texts"] if hit["question"])
            after = page["next_after"]
            if after is None:
                break
        counts = {}
        for question, _ in seen:
            counts[texts[question]] = counts.get(texts[question], 0) + 1
        return counts

    def theme_table(self, browser) -> list:
        """The rows of the themes page's theme table: question, theme, sector, respondents, base, percent."""
        browser.open(f"/analyst/s/{SURVEY}/themes")
        self.assertEqual(browser.status, 200)
        if browser.exists("#no-theme-table"):
            return []
        overflow = browser.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.assertLessEqual(overflow, 0, "the themes page does not scroll sideways")
        return [[cell.text for cell in row.find_elements(By.CSS_SELECTOR, "td")]
                for row in browser.find_all("#theme-table tbody tr")]


# =========================================================================================



class ReadingRoomThemes(BrowserTestCase):
    """Reading room (themes): the codebook page, and coding a span of a free text on the whole
    submission page with the mouse and with the keyboard only, at desktop and phone width."""

    TEXT = "Brain scans could help detect lies, but they put mental privacy at risk."

    @classmethod
    def setUpClass(cls):
        import sqlite3

        cls.server = ConsultServer("reading-room")
        cls.server.start()
        items = ["mental_privacy", "freedom_of_thought", "mental_integrity", "psychological_continuity",
                 "self_incrimination", "fair_trial", "non_discrimination", "ill_treatment", "neural_data",
                 "informed_consent"]
        cls.respondents = []
        for _ in range(4):
            stored = cls.server.api("POST", f"/api/v1/surveys/{SURVEY}/submissions", payload={"answers": {
                "sector": "academia", "country": "AT", "organisation_size": "individual", "familiarity": 2,
                "technologies_known": ["none_known"], "rights_concern": {item: 3 for item in items},
                "uses_comments": cls.TEXT, "publication": "confidential"}})
            if stored.status != 201:
                raise AssertionError(f"the submission was refused: {stored!r}")
            connection = sqlite3.connect(f"file:{cls.server.db}?mode=ro", uri=True)
            try:
                cls.respondents.append(connection.execute(
                    "SELECT p.pseudonym FROM respondent_pseudonym p JOIN submission s ON s.seq = p.submission_seq "
                    "WHERE s.id = ?", (stored.json()["id"],)).fetchone()[0])
            finally:
                connection.close()
        for name, colour in (("Mental privacy", "#1F77B4"), ("Lie detection", "#D62728")):
            created = cls.server.api("POST", f"/api/v1/surveys/{SURVEY}/themes", token=cls.server.analyst,
                                     payload={"name": name, "colour": colour})
            if created.status != 201:
                raise AssertionError(f"the theme was refused: {created!r}")

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def signed_in(self, *, phone: bool = False, javascript: bool = True) -> Browser:
        browser = self.browser(phone=phone, javascript=javascript)
        browser.open("/sign-in")
        browser.type("token", self.server.analyst)
        form = browser.find("input#token").find_element(By.XPATH, "ancestor::form")
        browser.click_element(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.assertEqual(browser.url_path, "/analyst", browser.text("main")[:800])
        return browser

    def codings(self, respondent: str) -> list[dict]:
        reading = self.server.api("GET", f"/api/v1/surveys/{SURVEY}/respondents/{respondent}", token=self.server.analyst)
        self.assertEqual(reading.status, 200)
        text = next(text for text in reading.json()["texts"] if text["question"] == "uses_comments")
        return text["codings"]

    def theme_value(self, browser: Browser, name: str) -> str:
        select = browser.find("#theme-uses_comments-answer")
        return next(option.get_attribute("value") for option in select.find_elements(By.TAG_NAME, "option")
                    if option.text.strip() == name)

    def assert_fits(self, browser: Browser) -> None:
        overflow = browser.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.assertLessEqual(overflow, 0, "the page scrolls sideways")

    def assert_announced(self, browser: Browser, words: str) -> None:
        WebDriverWait(browser.driver, 10).until(
            lambda driver: words in driver.find_element(By.ID, "coding-live").get_attribute("textContent"),
            f"the live region never announced {words!r}")

    def code_with_the_mouse(self, phone: bool, respondent: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        browser = self.signed_in(phone=phone)
        browser.open(f"/analyst/s/{SURVEY}/respondents/{respondent}")
        self.assertEqual(browser.status, 200, browser.text("main")[:800])
        self.assertTrue(browser.exists("#confidential-flag"), "confidential respondents are marked")
        region = browser.find("#codable-uses_comments-answer")
        # Where the word "lies" is, relative to the region's centre (as selenium offsets are).
        x, y = browser.driver.execute_script("""
            const region = arguments[0], word = arguments[1];
            region.scrollIntoView({block: 'center'});
            const node = Array.from(region.childNodes).find(n => n.nodeType === 3 && n.nodeValue.includes(word));
            const range = document.createRange();
            const at = node.nodeValue.indexOf(word);
            range.setStart(node, at + 1); range.setEnd(node, at + 2);
            const box = range.getBoundingClientRect(), outer = region.getBoundingClientRect();
            return [box.left + box.width / 2 - (outer.left + outer.width / 2), box.top + box.height / 2 - (outer.top + outer.height / 2)];
        """, region, "lies")
        ActionChains(browser.driver).move_to_element_with_offset(region, int(x), int(y)).double_click().perform()
        start = self.TEXT.index("lies")
        WebDriverWait(browser.driver, 10).until(lambda driver: browser.value("start-uses_comments-answer") == str(start))
        self.assertEqual(browser.value("end-uses_comments-answer"), str(start + 4))
        self.assertEqual(browser.find("#codable-uses_comments-answer mark.selecting").text, "lies")
        browser.choose("theme-uses_comments-answer", self.theme_value(browser, "Lie detection"))
        browser.click('#text-uses_comments-answer button[value="span"]',
                      screenshot=f"reading-room-mouse-{'phone' if phone else 'desktop'}")
        self.assertIn("lies", browser.text("#coding-status"))
        self.assert_announced(browser, "lies")
        self.assertIn("Lie detection", browser.text("#text-uses_comments-answer .codings"))
        self.assert_fits(browser)
        coded = self.codings(respondent)
        self.assertEqual([(c["theme"], c["start"], c["end"], c["words"], c["coder"]) for c in coded],
                         [("Lie detection", start, start + 4, "lies", "analyst:Anton Analyst")])

    def code_with_the_keyboard(self, phone: bool, respondent: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        browser = self.signed_in(phone=phone)
        browser.open(f"/analyst/s/{SURVEY}/respondents/{respondent}")
        driver = browser.driver

        def tab_to(condition: str, limit: int = 80) -> None:
            for _ in range(limit):
                if driver.execute_script(f"const e = document.activeElement; return !!(e && ({condition}));"):
                    return
                ActionChains(driver).send_keys(Keys.TAB).perform()
            self.fail(f"Tab never reached an element where {condition}")

        tab_to("e.id === 'codable-uses_comments-answer'")
        start = self.TEXT.index("mental privacy")
        keys = ActionChains(driver)
        for _ in range(start):
            keys.send_keys(Keys.ARROW_RIGHT)
        keys.key_down(Keys.SHIFT)
        for _ in range(len("mental privacy")):
            keys.send_keys(Keys.ARROW_RIGHT)
        keys.key_up(Keys.SHIFT).perform()
        self.assertEqual(browser.value("start-uses_comments-answer"), str(start))
        self.assertEqual(browser.value("end-uses_comments-answer"), str(start + len("mental privacy")))
        self.assertEqual(browser.find("#codable-uses_comments-answer mark.selecting").text, "mental privacy")
        self.assert_announced(browser, "Selected 14 characters: mental privacy")
        tab_to("e.id === 'theme-uses_comments-answer'")
        wanted = self.theme_value(browser, "Mental privacy")
        for _ in range(5):
            if browser.selected_option("theme-uses_comments-answer") == wanted:
                break
            ActionChains(driver).send_keys(Keys.ARROW_DOWN).perform()
        self.assertEqual(browser.selected_option("theme-uses_comments-answer"), wanted)
        tab_to("e.closest('#text-uses_comments-answer') && e.value === 'span'")
        marker = uuid.uuid4().hex
        driver.execute_script("window.__consultPage = arguments[0]", marker)
        ActionChains(driver).send_keys(Keys.ENTER).perform()
        WebDriverWait(driver, 30).until(lambda d: d.execute_script(
            "return window.__consultPage !== arguments[0] && document.readyState === 'complete'", marker))
        browser.arrived(f"reading-room-keyboard-{'phone' if phone else 'desktop'}")
        self.assert_announced(browser, "mental privacy")
        self.assert_fits(browser)
        coded = self.codings(respondent)
        self.assertEqual([(c["theme"], c["start"], c["end"], c["words"]) for c in coded],
                         [("Mental privacy", start, start + 14, "mental privacy")])

    def test_code_a_span_with_the_mouse_at_desktop_width(self):
        self.code_with_the_mouse(False, self.respondents[0])

    def test_code_a_span_with_the_mouse_at_phone_width(self):
        self.code_with_the_mouse(True, self.respondents[1])

    def test_code_a_span_with_the_keyboard_only_at_desktop_width(self):
        self.code_with_the_keyboard(False, self.respondents[2])

    def test_code_a_span_with_the_keyboard_only_at_phone_width(self):
        self.code_with_the_keyboard(True, self.respondents[3])

    def test_without_javascript_start_end_fields_and_the_whole_answer_button_code(self):
        browser = self.signed_in(javascript=False)
        respondent = self.respondents[3]
        before = len(self.codings(respondent))
        browser.open(f"/analyst/s/{SURVEY}/respondents/{respondent}")
        browser.type("start-uses_comments-answer", "0")
        browser.type("end-uses_comments-answer", "11")
        browser.click('#text-uses_comments-answer button[value="span"]')
        self.assertIn("Brain scans", browser.text("#coding-status"))
        browser.click('#text-uses_comments-answer button[value="whole"]')
        coded = self.codings(respondent)[before:]
        self.assertEqual([(c["start"], c["end"], c["whole"]) for c in coded], [(0, 11, False), (None, None, True)])
        # A span outside the text is refused with a readable page; nothing is stored.
        browser.open(f"/analyst/s/{SURVEY}/respondents/{respondent}")
        browser.type("start-uses_comments-answer", "5")
        browser.type("end-uses_comments-answer", "500")
        browser.click('#text-uses_comments-answer button[value="span"]')
        self.assertEqual(browser.status, 422)
        self.assertEqual(len(self.codings(respondent)), before + 2)

    def test_the_codebook_page_creates_nests_renames_and_retires_themes(self):
        for phone in (False, True):
            browser = self.signed_in(phone=phone)
            browser.open(f"/analyst/s/{SURVEY}")
            browser.click("#themes-link")
            self.assertEqual(browser.h1(), "Themes")
            name = f"Safeguards {'phone' if phone else 'desktop'}"
            browser.type("new-name", name)
            browser.click("#new-theme button[type=submit]", screenshot=f"themes-{'phone' if phone else 'desktop'}")
            self.assertIn("The theme was created.", browser.text("#theme-status"))
            self.assertIn(name, browser.text("#codebook"))
            # The same name again is refused in place, saying why.
            browser.type("new-name", name)
            browser.click("#new-theme button[type=submit]")
            self.assertEqual(browser.status, 409)
            self.assertIn("already exists", browser.text("#error-summary"))
            theme = next(t for t in self.server.api("GET", f"/api/v1/surveys/{SURVEY}/themes",
                                                    token=self.server.analyst).json()["themes"] if t["name"] == name)
            item = f"#theme-{theme['id']}"
            browser.find(f"{item} summary").click()
            browser.type(f"name-{theme['id']}", name + " (renamed)")
            browser.choose(f"parent-{theme['id']}", self.theme_id("Mental privacy"))
            browser.click(f'{item} form input[value="change"] ~ p button')
            self.assertIn("The theme was changed.", browser.text("#theme-status"))
            changed = self.theme(theme["id"])
            self.assertEqual((changed["name"], changed["depth"]), (name + " (renamed)", 2))
            browser.find(f"{item} summary").click()
            browser.click(f'{item} form input[value="retire"] ~ p button')
            self.assertIn("retired", browser.text(item))
            self.assert_fits(browser)
            # The codebook leaves as REFI-QDA from the same page, the new theme in it.
            codebook = browser.fetch("GET", browser.find("#codebook-download").get_attribute("href"))
            self.assertEqual(codebook.status, 200)
            self.assertIn(f'name="{name} (renamed)"', codebook.body.decode())
        browser.open(f"/analyst/s/{SURVEY}/agreement")
        self.assertEqual(browser.status, 200)
        self.assertTrue(browser.exists("#agreement"))

    def test_a_coding_made_before_an_edit_shows_its_own_words_never_the_new_ones(self):
        items = ["mental_privacy", "freedom_of_thought", "mental_integrity", "psychological_continuity",
                 "self_incrimination", "fair_trial", "non_discrimination", "ill_treatment", "neural_data",
                 "informed_consent"]
        answers = {"sector": "academia", "country": "AT", "organisation_size": "individual", "familiarity": 2,
                   "technologies_known": ["none_known"], "rights_concern": {item: 3 for item in items},
                   "uses_comments": "Courts may admit brain evidence.", "publication": "public_anonymous"}
        stored = self.server.api("POST", f"/api/v1/surveys/{SURVEY}/submissions", payload={"answers": answers})
        self.assertEqual(stored.status, 201)
        import sqlite3
        connection = sqlite3.connect(f"file:{self.server.db}?mode=ro", uri=True)
        try:
            respondent = connection.execute(
                "SELECT p.pseudonym FROM respondent_pseudonym p JOIN submission s ON s.seq = p.submission_seq "
                "WHERE s.id = ?", (stored.json()["id"],)).fetchone()[0]
        finally:
            connection.close()
        coded = self.server.api("POST", f"/api/v1/surveys/{SURVEY}/codings", token=self.server.analyst, payload={
            "respondent": respondent, "question": "uses_comments", "kind": "answer",
            "theme_id": int(self.theme_id("Lie detection")), "start": 17, "end": 31})
        self.assertEqual(coded.status, 201, coded.text)
        self.assertEqual(coded.json()["words"], "brain evidence")
        edited = dict(answers, uses_comments="Courts must never admit any brain data.")
        changed = http("PUT", self.server.url(f"/api/v1/submissions/{stored.json()['id']}"),
                       body=json.dumps({"answers": edited}).encode(),
                       headers={"Content-Type": "application/json", "Authorization": f"Bearer {stored.json()['edit_token']}"})
        self.assertEqual(changed.status, 200, changed.text)
        browser = self.signed_in(phone=True)
        browser.open(f"/analyst/s/{SURVEY}/respondents/{respondent}")
        earlier = browser.find("#text-uses_comments-answer li.coding.earlier")
        self.assertIn("made on an earlier text (version 1)", earlier.text)
        self.assertEqual(earlier.find_element(By.CSS_SELECTOR, "q.earlier-words").text, "brain evidence")
        # Nothing of the current text is highlighted for it: its offsets would read " admit any bra".
        self.assertFalse(browser.exists("#text-uses_comments-answer .in-context mark"))
        self.assertNotIn("admit any bra", earlier.text)
        self.assertEqual(browser.find("#codable-uses_comments-answer").text, "Courts must never admit any brain data.")
        self.assert_fits(browser)

    def theme(self, theme_id: int) -> dict:
        themes = self.server.api("GET", f"/api/v1/surveys/{SURVEY}/themes", token=self.server.analyst).json()["themes"]
        return next(t for t in themes if t["id"] == theme_id)

    def theme_id(self, name: str) -> str:
        themes = self.server.api("GET", f"/api/v1/surveys/{SURVEY}/themes", token=self.server.analyst).json()["themes"]
        return str(next(t["id"] for t in themes if t["name"] == name))

class PositionPapersForAnalysts(BrowserTestCase):
    """Position papers (extract): the extraction worker of `consult serve` reads an attached PDF with
    pdftotext; without JavaScript, an analyst finds it by its text on the search page, sees it with
    its extraction on the whole-submission page (and a broken PDF's failure), and opens it; the
    dashboard offers the attachments export. The rows are inserted with sqlite3: the upload is
    another part's."""

    @staticmethod
    def pdf(text: str) -> bytes:
        content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                   b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                   b"/Resources << /Font << /F1 5 0 R >> >> >>",
                   b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
                   b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
        out, offsets = b"%PDF-1.4\n", []
        for number, body in enumerate(objects, 1):
            offsets.append(len(out))
            out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)

    @classmethod
    def setUpClass(cls):
        import hashlib
        import sqlite3

        cls.server = ConsultServer("position-papers")
        cls.server.start()
        stored = cls.server.api("POST", f"/api/v1/surveys/{SURVEY}/submissions", payload={"answers": {
            "sector": "academia", "country": "AT", "organisation_size": "individual", "familiarity": 2,
            "technologies_known": ["none_known"],
            "rights_concern": {item: 3 for item in ["mental_privacy", "freedom_of_thought", "mental_integrity",
                                                    "psychological_continuity", "self_incrimination", "fair_trial",
                                                    "non_discrimination", "ill_treatment", "neural_data",
                                                    "informed_consent"]},
            "uses_comments": "See our paper.", "publication": "public_anonymous"}})
        if stored.status != 201:
            raise AssertionError(f"the submission was refused: {stored!r}")
        cls.paper = cls.pdf("Neural lie detection must stay out of courtrooms")
        connection = sqlite3.connect(str(cls.server.db), timeout=30)
        try:
            seq, cls.respondent = connection.execute(
                "SELECT s.seq, p.pseudonym FROM submission s JOIN respondent_pseudonym p ON p.submission_seq = s.seq "
                "WHERE s.id = ?", (stored.json()["id"],)).fetchone()
            for public_id, name, content in (("f-paper", "Stellungnahme Gerichte.pdf", cls.paper),
                                             ("f-broken", "broken.pdf", b"%PDF-1.7 but nothing else")):
                connection.execute(
                    "INSERT INTO attachment (public_id, survey_id, question, submission_seq, file_name, kind, size, "
                    "sha256, uploaded_at_ms, content) VALUES (?, ?, 'uses_comments', ?, ?, 'pdf', ?, ?, 0, ?)",
                    (public_id, SURVEY, seq, name, len(content), hashlib.sha256(content).digest(), content))
            connection.commit()
        finally:
            connection.close()
        # The worker looks for new files every 5 seconds.
        deadline = time.monotonic() + 90
        while True:
            files = cls.server.api("GET", f"/api/v1/surveys/{SURVEY}/respondents/{cls.respondent}/files",
                                   token=cls.server.analyst).json()["files"]
            if all(file["extraction"] != "pending" for file in files):
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"the files were not extracted: {files}")
            time.sleep(0.5)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def test_an_analyst_finds_reads_and_opens_a_position_paper_without_javascript(self):
        browser = self.browser(javascript=False)
        browser.open("/sign-in")
        browser.type("token", self.server.analyst)
        form = browser.find("input#token").find_element(By.XPATH, "ancestor::form")
        browser.click_element(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        browser.open(f"/analyst/s/{SURVEY}")
        self.assertEqual(browser.find("#attachments-export").get_attribute("href"),
                         self.server.url(f"/analyst/s/{SURVEY}/download/attachments.zip"))
        browser.open(f"/analyst/s/{SURVEY}/texts")
        browser.type("q", "courtrooms")
        browser.click("#search", screenshot="position-paper-search")
        self.assertEqual(browser.status, 200)
        self.assertEqual(browser.text("#file-result-count"), "1 file found.")
        hit = browser.find(".file-hit")
        self.assertIn("courtrooms", [mark.text.lower() for mark in hit.find_elements(By.CSS_SELECTOR, "mark")])
        self.assertEqual(hit.find_element(By.CSS_SELECTOR, "a.hit-file").text, "Stellungnahme Gerichte.pdf")
        browser.click_element(hit.find_element(By.CSS_SELECTOR, "a.respondent-link"), screenshot="position-paper-files")
        self.assertEqual(browser.url_path, f"/analyst/s/{SURVEY}/respondents/{self.respondent}")
        rows = browser.find_all("#files tbody tr")
        self.assertEqual(len(rows), 2)
        paper = next(row for row in rows if "Stellungnahme" in row.text)
        self.assertIn("48 characters, 1 page", paper.text)
        self.assertIn(hashlib_hex(self.paper), paper.text)
        broken = next(row for row in rows if "broken.pdf" in row.text)
        self.assertIn("Extraction failed: pdftotext could not read the PDF", broken.text)
        link = paper.find_element(By.CSS_SELECTOR, "a.download").get_attribute("href")
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in browser.driver.get_cookies())
        opened = http("GET", link, headers={"Cookie": cookie})
        self.assertEqual(opened.status, 200)
        self.assertEqual(opened.body, self.paper)
        self.assertEqual(opened.header("Content-Type"), "application/pdf")
        self.assertEqual(opened.header("Content-Disposition"),
                         "attachment; filename=\"Stellungnahme Gerichte.pdf\"; "
                         "filename*=UTF-8''Stellungnahme%20Gerichte.pdf")
        self.assertEqual(opened.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(opened.header("Cache-Control"), "private, no-store")
        # On a phone the files table scrolls inside its box; the page does not scroll sideways.
        phone = self.browser(javascript=False, phone=True)
        phone.open("/sign-in")
        phone.type("token", self.server.analyst)
        form = phone.find("input#token").find_element(By.XPATH, "ancestor::form")
        phone.click_element(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        phone.open(f"/analyst/s/{SURVEY}/respondents/{self.respondent}", screenshot="position-paper-files-phone")
        self.assertEqual(len(phone.find_all("#files tbody tr")), 2)
        overflow = phone.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.assertLessEqual(overflow, 0, "the respondent page scrolls sideways on a phone")


def hashlib_hex(data: bytes) -> str:
    import hashlib
    return hashlib.sha256(data).hexdigest()

# =========================================================================================
# Position papers (issue 16): a PDF attached through the form without JavaScript.


class PositionPaperUpload(BrowserTestCase):
    PAPERS = "position-papers"

    def test_a_pdf_uploaded_without_javascript_is_listed_with_its_hash_on_review_and_confirmation(self):
        import hashlib
        import tempfile
        pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"A" * 4000 + b"\nstartxref\n0\n%%EOF\n"
        digest = hashlib.sha256(pdf).hexdigest()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        paper = Path(folder.name) / "Position paper.pdf"
        paper.write_bytes(pdf)
        fake = Path(folder.name) / "not-a-paper.pdf"
        fake.write_bytes(b"MZ\x90\x00 this is no PDF")

        browser = self.browser(javascript=False)
        browser.open(f"/s/{self.PAPERS}")
        browser.click(f'form[action="/s/{self.PAPERS}/start"] button[type=submit]')
        self.assertEqual(browser.url_path, f"/s/{self.PAPERS}/page/1", browser.text("main")[:500])
        browser.pick("q-sector-academia")
        browser.choose("q-country", "BE")
        browser.click("button[name=action][value=next]")
        self.assertEqual(browser.url_path, f"/s/{self.PAPERS}/page/2", browser.text("main")[:500])
        self.assertEqual(browser.find("form[method=post]").get_attribute("enctype"), "multipart/form-data")

        with self.subTest("a file named .pdf that is not one is refused on the page"):
            browser.find("#q-paper").send_keys(str(fake))
            browser.pick("q-publication-confidential")
            browser.click("button[name=action][value=review]")
            self.assertEqual(browser.status, 422)
            self.assertIn("not of an accepted kind", browser.text("#q-paper-block"))
            self.assertFalse(browser.exists("#q-paper-block .attached-files"))

        browser.find("#q-paper").send_keys(str(paper))
        browser.pick("q-publication-confidential")
        browser.click("button[name=action][value=review]")
        self.assertEqual(browser.url_path, f"/s/{self.PAPERS}/review", browser.text("main")[:1500])
        review = self.review_answers(browser)
        self.assertIn("Position paper.pdf", review["Your position paper"])
        self.assertIn(digest, review["Your position paper"])

        browser.click(f'form[action="/s/{self.PAPERS}/submit"] button[type=submit]')
        self.assertEqual(browser.url_path, f"/s/{self.PAPERS}/done", browser.text("main")[:1000])
        listed = browser.text("#attached-files")
        self.assertIn("Position paper.pdf", listed)
        self.assertIn(digest, listed)
        submission = browser.text("#submission-id").strip()
        link = urllib.parse.urlsplit(browser.value("edit-link"))
        token = urllib.parse.parse_qs(link.query)["token"][0]
        stored = self.server.api("GET", f"/api/v1/submissions/{submission}", token=token).json()["answers"]
        self.assertEqual([(f["name"], f["kind"], f["size"], f["sha256"]) for f in stored["paper"]],
                         [("Position paper.pdf", "pdf", len(pdf), digest)])
        receipt = browser.fetch("GET", f"/s/{self.PAPERS}/receipt").json()
        self.assertEqual([f["sha256"] for f in receipt["files"]], [digest])

        with self.subTest("until the deadline the edit link replaces the file"):
            revised = Path(folder.name) / "Revised paper.txt"
            revised.write_text("Our revised position: consent first.\n", encoding="utf-8")
            browser.open(browser.value("edit-link"))
            browser.click("#continue")
            browser.click("button[name=action][value=next]")
            self.assertEqual(browser.url_path, f"/s/{self.PAPERS}/page/2", browser.text("main")[:500])
            self.assertIn(digest, browser.text("#q-paper-block .attached-files"))
            browser.screenshot("position-paper-attached")
            browser.pick("q-paper-remove-0")
            browser.find("#q-paper").send_keys(str(revised))
            browser.click("button[name=action][value=review]")
            self.assertEqual(browser.url_path, f"/s/{self.PAPERS}/review", browser.text("main")[:1500])
            listed = self.review_answers(browser)["Your position paper"]
            self.assertIn("Revised paper.txt", listed)
            self.assertNotIn("Position paper.pdf", listed)
            browser.click(f'form[action="/s/{self.PAPERS}/submit"] button[type=submit]')
            self.assertEqual(browser.h1(), "Your changes are received")
            revised_digest = hashlib.sha256(revised.read_bytes()).hexdigest()
            self.assertIn(revised_digest, browser.text("#attached-files"))
            self.assertNotIn(digest, browser.text("#attached-files"))
            second = browser.fetch("GET", f"/s/{self.PAPERS}/receipt").json()
            self.assertEqual([(f["name"], f["kind"], f["sha256"]) for f in second["files"]],
                             [("Revised paper.txt", "text", revised_digest)])
            self.assertIs(self.server.api("POST", "/api/v1/receipts/verify", payload=second).json()["valid"], True)
# lang (issue 15) =========================================================================


class LanguageNote(BrowserTestCase):
    FRENCH = ("Nous demandons que toute preuve tirée de données cérébrales soit écartée sans le "
              "consentement écrit de la personne concernée.")
    ENGLISH = "We ask that any evidence derived from neural data be excluded without the person's written consent."

    def wait_for_note(self, browser: Browser, shown: bool) -> str:
        note = browser.find("#q-uses_comments-language")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and note.is_displayed() != shown:
            time.sleep(0.1)
        self.assertEqual(note.is_displayed(), shown, note.text)
        return note.text

    def test_a_long_answer_not_in_english_gets_a_polite_note_while_typed_and_on_review(self):
        browser = self.browser()
        self.start_response(browser)
        browser.pick("q-sector-other")
        browser.type("q-sector-other-text", SECTOR_OTHER)
        browser.choose("q-country", "FR")
        browser.pick("q-organisation_size-individual", "q-familiarity-2")
        self.next_page(browser, 1)
        browser.pick("q-technologies_known-none_known")
        self.next_page(browser, 2)
        # Page 3 has the long answer "uses_comments"; the note is hidden until a long text is typed.
        self.assertFalse(browser.displayed("q-uses_comments-language"))
        browser.type("q-uses_comments", self.FRENCH)
        note = self.wait_for_note(browser, True)
        self.assertIn("does not seem to be written in English (it looks like French)", note)
        self.assertIn("“The consultation is in English only.”", note)
        self.assertIn("it will not be refused", note)
        browser.screenshot("language-note-live")
        browser.type("q-uses_comments", self.ENGLISH)
        self.wait_for_note(browser, False)
        browser.type("q-uses_comments", self.FRENCH)
        self.wait_for_note(browser, True)
        self.next_page(browser, 3)
        self.next_page(browser, 4)
        self.rate_matrix(browser, "rights_concern", 10, lambda index: 3)
        for number in (5, 6, 7, 8):
            self.next_page(browser, number)
        browser.pick("q-publication-confidential")
        browser.click('button[name=action][value=review]')
        self.assert_on_review(browser, screenshot="language-note-review")
        notes = browser.find_all(".review .language-note")
        self.assertEqual(len(notes), 1)
        self.assertIn("“The consultation is in English only.”", notes[0].text)
        self.submit(browser)

    def test_without_javascript_the_review_page_shows_the_note(self):
        browser = self.browser(javascript=False)
        self.start_response(browser)
        browser.pick("q-sector-other")
        browser.type("q-sector-other-text", SECTOR_OTHER)
        browser.choose("q-country", "FR")
        browser.pick("q-organisation_size-individual", "q-familiarity-2")
        self.next_page(browser, 1)
        browser.pick("q-technologies_known-none_known")
        self.next_page(browser, 2)
        self.assertFalse(browser.displayed("q-uses_comments-language"))
        browser.type("q-uses_comments", self.FRENCH)
        self.next_page(browser, 3)
        self.next_page(browser, 4)
        self.rate_matrix(browser, "rights_concern", 10, lambda index: 3)
        for number in (5, 6, 7, 8):
            self.next_page(browser, number)
        browser.pick("q-publication-confidential")
        browser.click('button[name=action][value=review]')
        self.assert_on_review(browser)
        self.assertEqual(len(browser.find_all(".review .language-note")), 1)


# campaigns: the campaigns page for analysts and organizers.
class CampaignsPage(BrowserTestCase):
    """Six look-alike letters (the first confidential) clustered by the server's campaign worker; the analyst compares a member with the representative, without JavaScript, and confirms
    the campaign; the organizer sees it and the signals."""

    PLACES = ["Vienna", "Graz", "Linz", "Salzburg", "Innsbruck", "Bregenz"]

    @classmethod
    def setUpClass(cls):
        import sqlite3
        cls.server = ConsultServer("campaigns")
        cls.server.start()
        items = ["mental_privacy", "freedom_of_thought", "mental_integrity", "psychological_continuity",
                 "self_incrimination", "fair_trial", "non_discrimination", "ill_treatment", "neural_data",
                 "informed_consent"]
        ids = []
        for index, place in enumerate(cls.PLACES):
            stored = cls.server.api("POST", f"/api/v1/surveys/{SURVEY}/submissions", payload={"answers": {
                "sector": "civil_society", "country": "AT", "organisation_size": "individual", "familiarity": 2,
                "technologies_known": ["none_known"], "rights_concern": {item: 3 for item in items},
                "further_comments": f"As a citizen of {place} I ask you to ban brain data in police work.",
                "publication": "confidential" if index == 0 else "public_anonymous"}})
            if stored.status != 201:
                raise AssertionError(f"a campaign letter was refused: {stored!r}")
            ids.append(stored.json()["id"])
        # The server's own campaign worker clusters the letters within seconds.
        deadline = time.monotonic() + 30
        while True:
            listing = cls.server.api("GET", f"/api/v1/surveys/{SURVEY}/campaigns", token=cls.server.analyst).json()
            found = [cluster for cluster in listing.get("clusters", []) if cluster["size"] == len(ids)]
            if found:
                cls.cluster = found[0]["id"]
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"the campaign worker did not cluster the letters: {listing}")
            time.sleep(0.3)
        connection = sqlite3.connect(str(cls.server.db), timeout=10)
        try:
            marks = ",".join("?" * len(ids))
            seqs = [row[0] for row in connection.execute(f"SELECT seq FROM submission WHERE id IN ({marks}) ORDER BY seq", ids)]
            cls.respondents = [connection.execute(
                "SELECT pseudonym FROM respondent_pseudonym WHERE submission_seq = ?", (seq,)).fetchone()[0] for seq in seqs]
        finally:
            connection.close()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def signed_in(self, token: str, *, javascript: bool = True) -> Browser:
        browser = self.browser(javascript=javascript)
        browser.open("/sign-in")
        browser.type("token", token)
        form = browser.find("input#token").find_element(By.XPATH, "ancestor::form")
        browser.click_element(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        return browser

    def test_a_member_beside_the_representative_with_the_differing_words_marked_then_confirmed(self):
        browser = self.signed_in(self.server.analyst, javascript=False)
        browser.open(f"/analyst/s/{SURVEY}")
        browser.click("#campaigns-link", screenshot="campaigns-list")
        self.assertEqual(browser.url_path, f"/analyst/s/{SURVEY}/campaigns")
        row = browser.find(f"#cluster-{self.cluster}")
        self.assertIn("6", row.text)
        self.assertIn("unreviewed", row.text)
        self.assertIn("6 submissions came from 1 client address(es)", browser.text("#survey-signals"))
        browser.click_element(row.find_element(By.CSS_SELECTOR, "a"))
        # Vienna's letter asked for confidentiality: it never stands for the campaign.
        representative = browser.text("#representative-text")
        self.assertNotIn("Vienna", representative)
        shown = [place for place in self.PLACES if f"citizen of {place} " in representative]
        self.assertEqual(len(shown), 1, representative)
        other = next(place for place in self.PLACES[1:] if place != shown[0])
        member = self.respondents[self.PLACES.index(other)]
        link = next(a for a in browser.find_all("a.compare-link") if a.get_attribute("href").endswith(f"compare={member}#comparison-title"))
        browser.click_element(link, screenshot="campaign-comparison")
        marked = [mark.text for mark in browser.find_all("#comparison-member mark.differs")]
        self.assertEqual(marked, [other])
        self.assertEqual([mark.text for mark in browser.find_all("#comparison-representative mark.differs")], shown)
        self.assertEqual(browser.text("#comparison-member"), f"As a citizen of {other} I ask you to ban brain data in police work.")
        self.assertIn("identical closed answers", browser.text("#cluster-signals"))

        # A review without a reason changes nothing and says why; with one it is confirmed and audited.
        browser.click("#confirm")
        self.assertEqual(browser.status, 422)
        browser.open(f"/analyst/s/{SURVEY}/campaigns/{self.cluster}")
        browser.type("review-reason", "One letter sent by six people")
        browser.click("#confirm", screenshot="campaign-confirmed")
        self.assertEqual(browser.text("#cluster-review"), "confirmed")
        self.assertIn("recorded in the audit log", browser.text("#campaign-status"))

        organizer = self.signed_in(self.server.organizer)
        organizer.open(f"/organizer/s/{SURVEY}")
        self.assertIn("1 campaigns", organizer.text("#organizer-campaigns"))
        self.assertIn("1 confirmed", organizer.text("#organizer-campaigns"))
        self.assertIn("6 submissions came from 1 client address(es)", organizer.text("#organizer-signals"))
        log = organizer.text("main")
        self.assertIn("One letter sent by six people", log)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consult", type=Path, default=Settings.consult, help="the consult binary")
    parser.add_argument("--surveys", type=Path, default=Settings.surveys, help="the survey folder")
    parser.add_argument("--screenshots", type=Path, help="where to save screenshots (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the servers' temporary folders")
    options, rest = parser.parse_known_args()
    Settings.consult = options.consult.resolve()
    Settings.surveys = options.surveys.resolve()
    Settings.screenshots = (options.screenshots or Path(tempfile.mkdtemp(prefix="consult-screenshots-"))).resolve()
    Settings.keep = options.keep
    Settings.screenshots.mkdir(parents=True, exist_ok=True)
    print(f"browser tests: screenshots in {Settings.screenshots}", flush=True)
    started = time.monotonic()
    program = unittest.main(module=__name__, argv=[sys.argv[0], *rest], exit=False, verbosity=2)
    print(f"browser tests: {time.monotonic() - started:.0f} s; screenshots in {Settings.screenshots}", flush=True)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
