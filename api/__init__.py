"""HTTP only: app factory, auth, JSON API, pages and the command line."""

from api.app import create_app

__all__ = ["create_app"]
