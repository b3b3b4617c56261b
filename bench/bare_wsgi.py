"""The floor of serving cost: a WSGI app answering a fixed JSON body, served by the same gunicorn configuration."""

BODY = b'{"status": "ok"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
