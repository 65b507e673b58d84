from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support import KeyVaultStub, TlsFiles
from .support import self_signed_cert as _cert


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return _cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def vault(tls: TlsFiles) -> Iterator[KeyVaultStub]:
    with KeyVaultStub(tls) as stub:
        yield stub
