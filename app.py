"""The web app of the Declaration assistant: `python app.py` serves it on
ASSISTANT_HOST:ASSISTANT_PORT (127.0.0.1:7860 by default), like `assistant serve`.

The app itself is built by `assistant.web.build_app(assistant)`; this file only starts it.
"""

from assistant.web import build_app, main

__all__ = ["build_app", "main"]

if __name__ == "__main__":
    main()
