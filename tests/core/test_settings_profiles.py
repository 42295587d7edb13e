"""Settings and organisation profiles refuse at start what would fail a resident later."""
from __future__ import annotations

import pytest
import yaml

from bot.settings import SettingsError, load_settings
from config.profile import CONFIG_DIR, ProfileError, bundled_profiles
from modules import load_profile
from services.payments.thaiqr import promptpay_payload

BASE = {"_env_file": None, "line_channel_secret": "s" * 16, "line_channel_access_token": "t" * 16,
        "secret_key": "k" * 20}


@pytest.mark.parametrize("name", bundled_profiles())
def test_bundled_profiles_can_make_their_payment_qr(name):
    profile = load_profile(name)
    if profile.payment and profile.payment.promptpay_id:
        assert promptpay_payload(profile.payment.promptpay_id, "1.00")


def test_a_promptpay_id_with_a_wrong_check_digit_is_refused_at_load(tmp_path):
    data = yaml.safe_load((CONFIG_DIR / "waterworks.yml").read_text(encoding="utf-8"))
    data["payment"]["promptpay_id"] = "0994000123456"
    path = tmp_path / "mine.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError, match="promptpay_id ใช้ไม่ได้"):
        load_profile(str(path))


def test_the_real_line_api_needs_an_https_public_url():
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL must be https"):
        load_settings(**BASE, public_base_url="http://oa.example.go.th")
    assert load_settings(**BASE, public_base_url="https://oa.example.go.th").public_base_url == "https://oa.example.go.th"
    # the emulator accepts http from this machine
    assert load_settings(**BASE, line_api_base="http://127.0.0.1:8090").public_base_url.startswith("http://")


def test_sms_gateway_url_and_key_go_together():
    with pytest.raises(SettingsError, match="SMS_HTTP_URL and SMS_API_KEY"):
        load_settings(**BASE, line_api_base="http://127.0.0.1:8090", sms_http_url="https://sms.example")
    settings = load_settings(**BASE, line_api_base="http://127.0.0.1:8090", sms_http_url="https://sms.example",
                             sms_api_key="abc")
    assert settings.sms is not None and settings.sms.url == "https://sms.example"
