"""oversight: vendor oversight and contract audit along the Japanese outsourcing chain (APPI)."""


def __getattr__(name: str):
    # Lazy, so that the pure rule modules (oversight.registry.chain, the Art. 26 engine) import without Flask.
    if name == "create_app":
        from oversight.app import create_app

        return create_app
    raise AttributeError(name)


__all__ = ["create_app"]
