import pytest

from connector.settings import RelaySettings, Settings


def test_unset_means_direct() -> None:
    assert Settings.from_env({}).relay is None


def test_full_configuration() -> None:
    settings = Settings.from_env(
        {"RELAY_NAMESPACE": "contoso.servicebus.windows.net", "RELAY_HYBRID_CONNECTION": "hc"}
    ).relay
    assert settings == RelaySettings("contoso.servicebus.windows.net", "hc", "defaultSender", None)
    assert settings.base_url == "https://contoso.servicebus.windows.net/hc"


def test_endpoint_override_for_test_doubles() -> None:
    settings = Settings.from_env(
        {
            "RELAY_NAMESPACE": "ns.example",
            "RELAY_HYBRID_CONNECTION": "hc",
            "RELAY_SEND_RULE_NAME": "sender",
            "RELAY_ENDPOINT_URL": "http://127.0.0.1:8123/",
        }
    ).relay
    assert settings is not None
    assert settings.rule_name == "sender"
    assert settings.base_url == "http://127.0.0.1:8123/hc"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"RELAY_HYBRID_CONNECTION": "hc"}, "RELAY_NAMESPACE"),
        ({"RELAY_ENDPOINT_URL": "http://127.0.0.1:1"}, "RELAY_NAMESPACE"),
        ({"RELAY_NAMESPACE": "ns.example"}, "RELAY_HYBRID_CONNECTION"),
        ({"RELAY_NAMESPACE": "https://ns.example", "RELAY_HYBRID_CONNECTION": "hc"}, "host"),
        ({"RELAY_NAMESPACE": "ns.example", "RELAY_HYBRID_CONNECTION": "a?b"}, "hybrid"),
        (
            {
                "RELAY_NAMESPACE": "ns.example",
                "RELAY_HYBRID_CONNECTION": "hc",
                "RELAY_ENDPOINT_URL": "ftp://x",
            },
            "RELAY_ENDPOINT_URL",
        ),
    ],
)
def test_half_configured_is_a_clear_error(env: dict[str, str], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        Settings.from_env(env)
