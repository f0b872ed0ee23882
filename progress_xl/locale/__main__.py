"""python -m progress_xl.locale: compile th/LC_MESSAGES/click.po to click.mo after editing it."""
import sys

from . import DOMAIN, HERE, compile_catalogue

target = HERE / "th" / "LC_MESSAGES" / f"{DOMAIN}.mo"
target.write_bytes(compile_catalogue())
sys.stdout.write(f"{target}\n")
