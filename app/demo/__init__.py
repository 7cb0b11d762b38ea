"""The demo trust: a realistic model of English attendance, loaded through the real import paths."""

from app.demo.trust import DEMO_PASSWORD, Login, demo_exists, load_demo

__all__ = ["DEMO_PASSWORD", "Login", "demo_exists", "load_demo"]
