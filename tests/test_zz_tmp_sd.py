import conftest
def test_sd(shared_data):
    assert shared_data == conftest.SHARED_DATA and shared_data.is_dir()
def test_absent(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "SHARED_DATA", tmp_path / "nope")
    conftest.require_shared_data()
