"""The optional configuration file.

Looked for at ``$FOIASEARCH_CONFIG``, then ``./foiasearch.toml``, then
``$XDG_CONFIG_HOME/foiasearch/config.toml`` (``~/.config/...``). Example::

    # foiasearch.toml
    index = "~/foia/.foiasearch"       # default for --index (or "postgresql://USER@HOST/DB")
    replica = "postgresql://USER@STANDBY/DB"  # serve: searches go to this hot standby
    actors = ["my-actors.toml"]        # extra gazetteers (paths relative to this file)
    ocr = true                         # false: like --no-ocr
    password_file = "passwords.txt"    # like --password-file
    private_collections = ["board"]    # hidden on the site from visitors not signed in

>>> Config().actors
()
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from foiasearch.index.location import URL_SCHEMES


class ConfigError(Exception):
    """The config file cannot be read; the message names the file."""


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    index: str | None = None
    actors: tuple[Path, ...] = ()
    ocr: bool = True
    password_file: Path | None = None
    private_collections: tuple[str, ...] = ()
    replica: str | None = None  # serve: a hot standby's URL for searches


def config_path(env: dict | None = None, cwd: Path | None = None) -> Path | None:
    env = os.environ if env is None else env
    if env.get("FOIASEARCH_CONFIG"):
        return Path(env["FOIASEARCH_CONFIG"])
    local = (cwd or Path.cwd()) / "foiasearch.toml"
    if local.is_file():
        return local
    home = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "foiasearch" / "config.toml"
    return home if home.is_file() else None


def load_config(path: Path | None = None) -> Config:
    """Read the config file (none: defaults); raises ConfigError."""
    path = path or config_path()
    if path is None:
        return Config()
    import tomllib  # only when a config file exists: its import compiles regular expressions

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc

    def resolve(value: str) -> Path:
        candidate = Path(value).expanduser()
        return candidate if candidate.is_absolute() else path.parent / candidate

    actors = data.get("actors", [])
    if isinstance(actors, str):
        actors = [actors]
    index = data.get("index")
    private = data.get("private_collections", [])
    if isinstance(private, str):
        private = [private]
    if not isinstance(private, list) or not all(isinstance(c, str) and c.strip() for c in private):
        raise ConfigError(f"{path}: private_collections must be a list of collection names")
    return Config(
        path=path,
        index=(index if str(index).startswith(URL_SCHEMES) else str(Path(index).expanduser()))
        if index else None,
        actors=tuple(resolve(a) for a in actors),
        ocr=bool(data.get("ocr", True)),
        password_file=resolve(data["password_file"]) if data.get("password_file") else None,
        private_collections=tuple(c.strip() for c in private),
        replica=str(data["replica"]) if data.get("replica") else None,
    )


def resolve_location(index_dir: str | None):
    """The index to use: ``--index`` (or $FOIASEARCH_INDEX), else the config
    file's ``index``, else ./.foiasearch. Raises ConfigError."""
    from foiasearch.index.location import IndexLocation

    return IndexLocation.resolve(index_dir or load_config().index)
