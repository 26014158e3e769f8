"""Verification codes: link building (GS1 Digital Link), signing, offline checks and rendering.

Pure functions: no database, no Flask.
"""
