"""End to end in a real headless Chromium: the admin as a recruiter uses it.

Needs Debian's chromium and chromium-driver (`make test` installs them with
.ci/browser-deps). Runs against pytest-django's live server.
"""

import shutil
import tempfile

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from questionbank.kits import assemble_kit, store_kit
from questionbank.models import Question
from tests.factories import CompetencyFactory, QuestionFactory, RoleCompetencyFactory, RoleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="questionbank-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
        "--lang=en",
    ]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def recruiter(django_user_model):
    return django_user_model.objects.create_superuser("anna", "anna@example.com", PASSWORD)


def log_in(browser, live_server):
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("anna")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "bank-tools")))


def open_fieldset(browser, heading):
    """Django collapses the non-English fieldsets into <details>: open one by its heading."""
    summary = browser.find_element(By.XPATH, f"//summary[.//h2[normalize-space()='{heading}']]")
    if summary.find_element(By.XPATH, "..").get_attribute("open") is None:
        summary.click()


def test_recruiter_edits_dutch_text_and_a_rubric_level_and_the_api_shows_it(
    browser, live_server, recruiter
):
    question = QuestionFactory(code="empathy-01", text_nl="Oude tekst")
    log_in(browser, live_server)
    browser.get(
        f"{live_server.url}{reverse('admin:questionbank_question_change', args=[question.pk])}"
    )
    open_fieldset(browser, "Nederlands")
    text = browser.find_element(By.NAME, "text_nl")
    text.clear()
    text.send_keys("Vertel over een klant die boos belde.")
    anchor_field = browser.find_element(By.NAME, "rubric_levels-2-anchor_nl")
    if not anchor_field.is_displayed():
        details = anchor_field.find_element(By.XPATH, "ancestor::details[1]")
        details.find_element(By.TAG_NAME, "summary").click()
    anchor_field.clear()
    anchor_field.send_keys("Laat de klant uitpraten en erkent de frustratie.")
    browser.find_element(By.NAME, "_save").click()
    WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".messagelist .success"))
    )

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=recruiter).key}")
    body = client.get("/api/v1/questions/empathy-01/", {"lang": "nl"}).json()
    assert body["text"] == "Vertel over een klant die boos belde."
    assert (
        body["rubric"]["levels"][2]["anchor"] == "Laat de klant uitpraten en erkent de frustratie."
    )
    assert "text" not in body["fallbacks"]


def test_recruiter_imports_a_csv_after_the_preview(browser, live_server, recruiter, tmp_path):
    CompetencyFactory(slug="empathy")
    header = "code,competency,type,levels,expected_minutes,status,text_en,text_de"
    rubric = ",".join(f"rubric_{s}_label_en,rubric_{s}_anchor_en" for s in range(1, 6))
    values = ",".join(f"Level {s},What a {s} answer sounds like" for s in range(1, 6))
    csv = tmp_path / "questions.csv"
    csv.write_text(
        f"{header},{rubric}\n"
        f"empathy-50,empathy,behavioural,entry,5,draft,Tell me about a caller in tears.,"
        f"Erzählen Sie von einem weinenden Anrufer.,{values}\n"
    )
    log_in(browser, live_server)
    browser.get(f"{live_server.url}{reverse('admin:questionbank_question_import')}")
    browser.find_element(By.NAME, "import_file").send_keys(str(csv))
    Select(browser.find_element(By.NAME, "format")).select_by_visible_text("csv")
    browser.find_element(By.CSS_SELECTOR, "form input[type=submit]").click()
    confirm = WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.NAME, "confirm")))
    assert "Tell me about a caller in tears." in browser.page_source
    assert not Question.objects.filter(code="empathy-50").exists()  # only a preview so far
    confirm.click()
    WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".messagelist"))
    )
    question = Question.objects.get(code="empathy-50")
    assert question.text_de == "Erzählen Sie von einem weinenden Anrufer."
    assert question.rubric_levels.count() == 5


def test_interviewer_opens_a_kits_print_view(browser, live_server, recruiter):
    role = RoleFactory(slug="agent", title_en="Agent", title_it="Operatore")
    competency = CompetencyFactory(name_it="Empatia")
    RoleCompetencyFactory(role=role, competency=competency)
    QuestionFactory(competency=competency, text_it="Mi racconti di un cliente arrabbiato.")
    kit = store_kit(assemble_kit(role=role, stage="first_interview", language="it", seed=1))
    log_in(browser, live_server)
    browser.get(f"{live_server.url}{reverse('admin:questionbank_kit_change', args=[kit.pk])}")
    browser.find_element(By.LINK_TEXT, "Print").click()
    browser.switch_to.window(browser.window_handles[-1])
    WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "article.question"))
    )
    assert browser.title.startswith("Kit di colloquio: Operatore")
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Mi racconti di un cliente arrabbiato." in page
    assert "Empatia" in page
    assert "Riepilogo dei punteggi" in page
    browser.close()
    browser.switch_to.window(browser.window_handles[0])
