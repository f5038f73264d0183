"""Shared fixtures: where the built binaries are (scripts/test.sh sets
POSTAMT_BINARY and POSTAMT_BUILD_DIR; default: build/release)."""
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def build_dir() -> pathlib.Path:
    d = pathlib.Path(os.environ.get("POSTAMT_BUILD_DIR", ROOT / "build" / "release"))
    assert (d / "postamt").exists(), f"build first: {d}/postamt missing"
    return d


@pytest.fixture(scope="session")
def postamt_bin(build_dir) -> pathlib.Path:
    return pathlib.Path(os.environ.get("POSTAMT_BINARY", build_dir / "postamt"))


@pytest.fixture
def server(postamt_bin, tmp_path):
    """A running server with domain example.org and users bob, carol."""
    from postamt_server import PostamtServer
    srv = PostamtServer(postamt_bin, tmp_path)
    srv.cli("domain", "add", "example.org")
    srv.add_user("bob@example.org")
    srv.add_user("carol@example.org")
    srv.start()
    yield srv
    srv.stop()
