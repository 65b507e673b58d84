from connector.transport.relay import resource_uri, sas_token

VECTOR = (
    "SharedAccessSignature sr=http%3A%2F%2Fcontoso.servicebus.windows.net%2Fonprem-rest"
    "&sig=8gX5AnyWTbOtXkFNWbCfKoieo2F2RtPdZeKHlBGJd7M%3D&se=1767225600&skn=defaultSender"
)


def test_reproduces_the_reference_test_vector() -> None:
    resource = resource_uri("contoso.servicebus.windows.net", "onprem-rest")
    assert resource == "http://contoso.servicebus.windows.net/onprem-rest"
    assert sas_token(resource, "defaultSender", "k3yForTestsOnly=", 1767225600) == VECTOR


def test_agent_signs_identically() -> None:
    # The agent is installed on its own, so it carries its own copy of the algorithm.
    from relay_agent.sas import sas_token as agent_sas_token

    resource = "http://contoso.servicebus.windows.net/onprem-rest"
    assert agent_sas_token(resource, "defaultSender", "k3yForTestsOnly=", 1767225600) == VECTOR
