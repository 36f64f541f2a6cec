"""The profiles file: one table per company, atomic saves, and no password ever read from it."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from sagesync.errors import ConfigurationError
from sagesync.profiles.model import Profile
from sagesync.profiles.paths import profiles_file
from sagesync.profiles.store import ProfileStore
from tests.profiles.conftest import acme_table


def acme(**overrides: object) -> Profile:
    return Profile.from_table("acme", acme_table(**overrides))


def test_the_store_lives_in_the_config_folder(sagesync_folders: Path) -> None:
    store = ProfileStore()
    assert store.path == profiles_file() == sagesync_folders / "config" / "profiles.toml"
    assert store.names() == [] and store.listing() == []  # no file yet is no profile, not an error


def test_add_get_update_delete() -> None:
    store = ProfileStore()
    store.add(acme())
    store.add(Profile.from_table("beta", acme_table(sage_company="BETA")))
    assert store.names() == ["acme", "beta"]
    assert store.get("acme") == acme()
    store.update(acme(sales_journal="VT2"))
    assert store.get("acme").sales_journal == "VT2"
    assert store.get("beta").sage_company == "BETA"
    store.delete("acme")
    assert store.names() == ["beta"]


def test_add_refuses_an_existing_profile_and_update_a_missing_one() -> None:
    store = ProfileStore()
    store.add(acme())
    with pytest.raises(ConfigurationError, match=r"already exists.*profile edit acme"):
        store.add(acme(sage_company="OTHER"))
    assert store.get("acme").sage_company == "ACME ARCHITECTES"
    with pytest.raises(ConfigurationError, match=r"no profile named 'beta'.*profiles: acme.*profile new beta"):
        store.update(Profile.from_table("beta", acme_table()))


def test_the_file_is_utf8_toml_with_accents_kept_and_no_temporary_file_left() -> None:
    store = ProfileStore()
    store.add(acme(sage_company="Atelier Müller & Associés", analytic_level="Coût de production"))
    text = store.path.read_text(encoding="utf-8")
    assert 'sage_company = "Atelier Müller & Associés"' in text
    assert ProfileStore().get("acme").analytic_level == "Coût de production"
    assert [path.name for path in store.path.parent.iterdir()] == ["profiles.toml"]


def test_a_failed_save_leaves_the_old_file_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    store = ProfileStore()
    store.add(acme())
    before = store.path.read_bytes()

    def crash(source: object, target: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("sagesync.profiles.store.os.replace", crash)
    with pytest.raises(ConfigurationError, match="the disk is full: cannot write the profiles file"):
        store.update(acme(sales_journal="VT2"))
    assert store.path.read_bytes() == before
    assert [path.name for path in store.path.parent.iterdir()] == ["profiles.toml"]


def write(text: str) -> ProfileStore:
    store = ProfileStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(text, encoding="utf-8")
    return store


def valid_file_text() -> str:
    store = ProfileStore()
    store.add(acme())
    return store.path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("line", "under", "named", "fix"), [
    ('password = "S3cr3t-Value"', "[profiles.acme.platform]", "profiles.acme.platform.password",
     "sagesync profile set-secret acme platform"),
    ('sage_password = "S3cr3t-Value"', "[profiles.acme]", "profiles.acme.sage_password",
     "SAGESYNC_ACME_SAGE_PASSWORD"),
    ('api_token = "S3cr3t-Value"', "[profiles.acme.platform]", "profiles.acme.platform.api_token",
     "SAGESYNC_ACME_PLATFORM_PASSWORD"),
])
def test_a_plain_password_is_refused_naming_the_field_and_the_fix_not_the_value(line: str, under: str, named: str,
                                                                                 fix: str) -> None:
    text = valid_file_text().replace(under + "\n", f"{under}\n{line}\n", 1)
    store = write(text)
    for read in (store.names, lambda: store.get("acme"), store.listing, lambda: store.delete("acme")):
        with pytest.raises(ConfigurationError) as caught:
            read()
        message = str(caught.value)
        assert named in message and fix in message
        assert "S3cr3t-Value" not in message


def test_a_password_hidden_in_a_vat_entry_is_found_too() -> None:
    text = valid_file_text().replace('rate = "10"\n', 'rate = "10"\npasswd = "S3cr3t-Value"\n')
    with pytest.raises(ConfigurationError, match=r"profiles\.acme\.vat\[1\]\.passwd") as caught:
        write(text).get("acme")
    assert "S3cr3t-Value" not in str(caught.value)


def test_a_float_in_the_file_is_refused_with_its_path() -> None:
    text = valid_file_text().replace('rate = "5.5"', "rate = 5.5")
    with pytest.raises(ConfigurationError, match=r"profiles\.acme\.vat\[2\]\.rate: .*float"):
        write(text).get("acme")


def test_a_broken_file_is_named_with_its_line() -> None:
    with pytest.raises(ConfigurationError, match=r"profiles\.toml is not valid TOML.*line 2"):
        write('[profiles.acme]\nsage_company = "ACME\n').names()


def test_a_table_outside_profiles_is_refused_with_a_hint() -> None:
    with pytest.raises(ConfigurationError, match=r"'profile'.*did you write \[profile\.x\]"):
        write('[profile.acme]\nsage_company = "ACME"\n').names()


def test_one_broken_profile_does_not_hide_the_others() -> None:
    text = valid_file_text() + '\n[profiles.beta]\nsage_company = "BETA"\n'
    rows = write(text).listing()
    assert [(row.name, row.profile is not None) for row in rows] == [("acme", True), ("beta", False)]
    assert "profiles.beta.period_start: is missing" in rows[1].problem


def test_saving_one_profile_keeps_the_others_values_as_written() -> None:
    text = valid_file_text() + '\n[profiles.beta]\nsage_company = "BETA"\nfuture_setting = "kept"\n'
    store = write(text)
    store.update(acme(sales_journal="VT2"))
    assert store.tables()["beta"] == {"sage_company": "BETA", "future_setting": "kept"}
