"""Run the test provider: migrate its SQLite file, make its signing key, client and users, serve on loopback.

    python -m tests.accounts.oidc_idp.serve PORT DATA_DIR   (DATA_DIR/setup.json: client and users)
"""

import json
import os
import sys
from pathlib import Path


def main() -> None:
    port, data = int(sys.argv[1]), Path(sys.argv[2])
    os.environ["IDP_DATA"] = str(data)
    os.environ["IDP_SITE_URL"] = f"http://127.0.0.1:{port}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.accounts.oidc_idp.settings"
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application
    from oidc_provider.models import Client, ResponseType

    setup = json.loads((data / "setup.json").read_text())
    call_command("migrate", verbosity=0)
    call_command("creatersakey", stdout=open(os.devnull, "w"))  # noqa: SIM115
    client = Client.objects.create(
        name="joinedup", client_type="confidential", client_id=setup["client_id"],
        client_secret=setup["client_secret"], jwt_alg="RS256", require_consent=False, reuse_consent=True,
        _redirect_uris="\n".join(setup["redirect_uris"]),
    )
    client.response_types.add(ResponseType.objects.get(value="code"))
    for person in setup["users"]:
        User.objects.create_user(person["username"], email=person.get("email", ""), password=person["password"],
                                 first_name=person.get("first_name", ""), last_name=person.get("last_name", ""))

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", port), QuietHandler)
    server.set_app(get_wsgi_application())
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
