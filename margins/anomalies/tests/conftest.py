from margins.conftest import webhook_receiver  # noqa: F401 (a real HTTP receiver on loopback)
