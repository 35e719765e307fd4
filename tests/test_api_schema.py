"""The OpenAPI schema is generated from the code, without warnings, and is valid."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_every_endpoint_is_documented(schema):
    assert set(schema["paths"]) == {
        "/api/v1/auth/token/",
        "/api/v1/competencies/",
        "/api/v1/competencies/{slug}/",
        "/api/v1/questions/",
        "/api/v1/questions/{code}/",
        "/api/v1/questions/{code}/retire/",
        "/api/v1/roles/",
        "/api/v1/roles/{slug}/",
        "/api/v1/roles/{slug}/kit-preview/",
        "/api/v1/roles/{slug}/screening/",
        "/api/v1/roles/{slug}/screening/evaluate/",
        "/api/v1/kits/",
        "/api/v1/kits/{id}/",
    }


def test_every_operation_documents_lang_and_the_error_shape(schema):
    for path, operations in schema["paths"].items():
        if path == "/api/v1/auth/token/":
            continue
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", [])}
            assert "lang" in names, (path, method)
            for code in ("400", "401", "429"):
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, code)


def test_question_filters_are_documented(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/questions/"]["get"]["parameters"]}
    assert {
        "role",
        "level",
        "competency",
        "type",
        "status",
        "search",
        "ordering",
        "page",
        "page_size",
        "lang",
    } <= names


def test_writes_document_403_and_an_example(schema):
    create = schema["paths"]["/api/v1/questions/"]["post"]
    assert "403" in create["responses"]
    assert create["requestBody"]["content"]["application/json"]["examples"]
