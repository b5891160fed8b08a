"""A real WordPress for the tests: Debian's package, a MariaDB of its own and PHP's
built-in web server, all in one temporary directory and on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from service.store.embedded import terminate
from tests.support.processes import wait_until_ok

WORDPRESS = Path("/usr/share/wordpress")
THEME = WORDPRESS / "wp-content" / "themes" / "twentytwentythree"
PLUGIN = Path(__file__).resolve().parents[2] / "integrations" / "wordpress" / "hedgerow"
TOOL = Path(__file__).resolve().parent / "wp_tool.php"
MARIADBD = "/usr/sbin/mariadbd"
ADMIN = ("admin", "admin-password")
# What the Debian packages are called, for messages about what is missing.
PACKAGES = "wordpress wordpress-theme-twentytwentythree php-cli php-mysql mariadb-server-core"

# Every comment in the tests comes from 127.0.0.1 within seconds: WordPress's flood check
# would refuse all but the first, so this site turns it off.
_MU_PLUGIN = """<?php
add_filter( 'wp_is_comment_flood', '__return_false', 99 );
"""

_CONFIG = """<?php
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'root' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', 'localhost:{socket}' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
{keys}
$table_prefix = 'wp_';
define( 'WP_HOME', '{url}' );
define( 'WP_SITEURL', '{url}' );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_DISPLAY', true );
define( 'WP_DEBUG_LOG', '{debug_log}' );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
if ( ! defined( 'ABSPATH' ) ) {{
	define( 'ABSPATH', __DIR__ . '/' );
}}
require_once ABSPATH . 'wp-settings.php';
"""

_KEYS = ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT",
         "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT")


def missing_tools() -> list[str]:
    """What of PHP, MariaDB and Debian's WordPress is not installed."""
    missing = [name for name in ("php", "mariadb-install-db") if shutil.which(name) is None]
    if not os.access(MARIADBD, os.X_OK):
        missing.append(MARIADBD)
    for path in (WORDPRESS / "wp-settings.php", THEME / "style.css"):
        if not path.is_file():
            missing.append(str(path))
    if shutil.which("php") and subprocess.run(
        ["php", "-r", "exit(extension_loaded('mysqli') ? 0 : 1);"], check=False
    ).returncode:
        missing.append("php-mysql")
    return missing


class MariaDB:
    """mariadbd on a Unix socket only, with a fresh data directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.datadir = directory / "data"
        self.socket = directory / "mysqld.sock"
        self.log = directory / "mariadb.log"
        user = ["--user=root"] if os.geteuid() == 0 else []
        installed = subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={self.datadir}",
             "--auth-root-authentication-method=normal", "--skip-test-db", *user],
            capture_output=True, text=True, timeout=120, check=False,
        )
        if installed.returncode:
            raise RuntimeError(f"mariadb-install-db failed:\n{installed.stdout}{installed.stderr}")
        self._log = self.log.open("w")
        self.process = subprocess.Popen(
            [MARIADBD, "--no-defaults", f"--datadir={self.datadir}", f"--socket={self.socket}",
             "--skip-networking", f"--pid-file={directory / 'mariadb.pid'}",
             "--innodb-buffer-pool-size=32M", "--skip-log-bin", *user],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> MariaDB:
        """Wait until the socket accepts connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mariadbd exited:\n{self.log.read_text(errors='replace')}")
            try:
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.connect(str(self.socket))
                created = subprocess.run(
                    ["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot",
                     "-e", "CREATE DATABASE IF NOT EXISTS wordpress"],
                    capture_output=True, text=True, timeout=30, check=False,
                )
                if created.returncode == 0:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"mariadbd not ready:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        """Shut the server down (SIGTERM is a clean shutdown for mariadbd)."""
        terminate(self.process, timeout=30)
        self._log.close()


class WordPress:
    """Debian's WordPress copied into ``directory`` with its own wp-config.php, the plugin
    installed, served by ``php -S`` on a loopback port."""

    def __init__(self, directory: Path, port: int, database: MariaDB) -> None:
        self.port = port
        self.root = directory / "site"
        self.debug_log = directory / "debug.log"
        self.server_log = directory / "php-server.log"
        shutil.copytree(WORDPRESS, self.root, symlinks=True)
        (self.root / "wp-config.php").unlink()
        keys = "\n".join(f"define( '{k}', '{secrets.token_hex(32)}' );" for k in _KEYS)
        (self.root / "wp-config.php").write_text(
            _CONFIG.format(socket=database.socket, keys=keys, url=self.url,
                           debug_log=self.debug_log),
            encoding="utf-8",
        )
        content = self.root / "wp-content"
        shutil.copytree(PLUGIN, content / "plugins" / "hedgerow")
        (content / "mu-plugins").mkdir()
        (content / "mu-plugins" / "test-site.php").write_text(_MU_PLUGIN, encoding="utf-8")
        (content / "uploads").mkdir()
        self.tool("install")
        self.tool("activate")
        self._log = self.server_log.open("w")
        self.process = subprocess.Popen(
            ["php", "-S", f"127.0.0.1:{port}", "-t", str(self.root)],
            cwd=self.root, stdout=self._log, stderr=subprocess.STDOUT,
            env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"}, start_new_session=True,
        )

    @property
    def url(self) -> str:
        """The site's home URL (and its origin: no path)."""
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30) -> WordPress:
        """Wait until the front page answers 200."""
        wait_until_ok(self.process, self.url + "/", self.server_log.read_text, timeout)
        return self

    def tool(self, *args: str) -> str:
        """Run a wp_tool.php command against this site; its standard output."""
        done = subprocess.run(
            ["php", str(TOOL), str(self.root), *args],
            capture_output=True, text=True, timeout=120, check=False,
        )
        if done.returncode:
            raise RuntimeError(f"wp_tool.php {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def comments(self) -> list[dict[str, Any]]:
        """Every stored comment (spam and trash too) with its meta."""
        return list(json.loads(self.tool("comments")))

    def comment(self, content: str) -> dict[str, Any]:
        """The one stored comment with this text."""
        found = [c for c in self.comments() if c["content"] == content]
        assert len(found) == 1, f"{len(found)} comments with {content!r}"
        return found[0]

    def option(self, name: str) -> Any:
        """An option's value as WordPress stores it."""
        return json.loads(self.tool("option", name))

    def debug_lines(self) -> list[str]:
        """What PHP and WordPress wrote to the debug log."""
        if not self.debug_log.exists():
            return []
        return self.debug_log.read_text(errors="replace").splitlines()

    def stop(self) -> None:
        """Stop the web server and the workers it forked (its whole process group)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        terminate(self.process, timeout=10)
        self._log.close()
