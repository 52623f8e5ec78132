"""A stateful emulator of the Replica API: its own Starlette ASGI app, process and port.

    python -m portal.emulator --host 127.0.0.1 --port 8765

State lives in memory and resets on restart. See `config.py` for the knobs.
"""
