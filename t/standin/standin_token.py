"""Google's OAuth 2.0 token endpoint (POST /token), the refresh-token grant
only: the client and refresh token checked, a new access token (and, for
a rotating registration, a new refresh token) handed out.
"""

import urllib.parse

from standin_errors import NO_STORE, OAuthError


TOKEN_SCOPE = ("https://www.googleapis.com/auth/yt-analytics.readonly "
               "https://www.googleapis.com/auth/youtube.readonly")
TOKEN_LIFETIME = 3599


class TokenMixin:
    """POST /token for the stand-in's request handler."""

    # -- POST /token --------------------------------------------------------

    def token(self, body):
        st = self.state
        entry = {"path": "/token", "method": self.command, "params": {},
                 "authorization": self.headers.get("Authorization"),
                 "form": {}, "status": None}
        with st.lock:
            st.n_token += 1
        st.log_request(entry)
        status = 500
        try:
            status = self.token_answer(body, entry)
        finally:
            st.set_status(entry, status)

    def token_answer(self, body, entry):
        st = self.state
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        form = {}
        pairs = []
        if ctype.strip().lower() == "application/x-www-form-urlencoded":
            try:
                pairs = urllib.parse.parse_qsl(body.decode("utf-8"),
                                               keep_blank_values=True,
                                               errors="strict")
            except (UnicodeDecodeError, ValueError):
                pairs = None
            for name, value in pairs or ():
                form.setdefault(name, []).append(value)
            entry["form"] = {k: v[0] if len(v) == 1 else v
                             for k, v in form.items()}

        fault = st.take_fault("token", entry["form"])
        if fault is not None:
            return self.answer_fault(fault, token=True)

        try:
            result = self.refresh(ctype, pairs, form)
        except OAuthError as e:
            return self.send_json(e.status, e.body(), True,
                                  headers=NO_STORE)
        return self.send_json(200, result, True, headers=NO_STORE)

    def refresh(self, ctype, pairs, form):
        """Google's refresh-token grant."""
        st = self.state
        if ctype.strip().lower() != "application/x-www-form-urlencoded":
            raise OAuthError(400, "invalid_request",
                             "Invalid Content-Type: expected "
                             "application/x-www-form-urlencoded.")
        if pairs is None:
            raise OAuthError(400, "invalid_request",
                             "Malformed form body.")
        for name, values in form.items():
            if len(values) > 1:
                raise OAuthError(400, "invalid_request",
                                 f"Duplicate parameter: {name}")
        f = {k: v[0] for k, v in form.items()}
        grant = f.get("grant_type", "")
        if not grant:
            raise OAuthError(400, "invalid_request",
                             "Missing required parameter: grant_type")
        if grant != "refresh_token":
            raise OAuthError(400, "unsupported_grant_type",
                             f"Invalid grant_type: {grant}")
        if not f.get("client_id"):
            raise OAuthError(400, "invalid_request",
                             "Could not determine client ID from request.")
        with st.lock:
            client = st.client
        if client is None or f["client_id"] != client[0] \
                or f.get("client_secret") != client[1]:
            # Google's OAuth refresh: 401 invalid_client.
            raise OAuthError(401, "invalid_client",
                             "The OAuth client was not found.")
        rt = f.get("refresh_token", "")
        if not rt:
            raise OAuthError(400, "invalid_request",
                             "Missing required parameter: refresh_token")
        with st.lock:
            reg = st.refresh.get(rt)
        if reg is None:
            # Google's OAuth refresh: 400 invalid_grant, "Token has been expired or revoked."
            raise OAuthError(400, "invalid_grant",
                             "Token has been expired or revoked.")
        channel, rotate = reg
        access = "ya29.standin-" + st.unique()
        st.add_access(access, channel, TOKEN_LIFETIME)
        # Google's OAuth refresh sample response; scope and lifetime as Google sends them.
        result = {"access_token": access, "expires_in": TOKEN_LIFETIME,
                  "scope": TOKEN_SCOPE, "token_type": "Bearer"}
        if rotate:
            new_rt = "1//standin-rotated-" + st.unique()
            st.add_refresh(new_rt, channel, True)
            result["refresh_token"] = new_rt
        return result
