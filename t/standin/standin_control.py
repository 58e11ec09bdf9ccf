"""The JSON control interface the tests drive (/_control/...): health,
counters, the request log and faults read; tokens, the client, delays,
faults and channel options set; everything reset.
"""

import json
import os

from standin_faults import Fault, int_field
from standin_state import channel_options


class ControlMixin:
    """/_control/... for the stand-in's request handler."""

    # -- /_control ----------------------------------------------------------

    def control(self, name, body):
        st = self.state
        try:
            if self.command == "GET":
                if name == "health":
                    return self.send_json(200, {"ok": True, "pid": os.getpid()})
                if name == "counters":
                    with st.lock:
                        c = {"reports": st.n_reports, "token": st.n_token,
                             "in_flight": st.in_flight,
                             "max_in_flight": st.max_in_flight}
                    return self.send_json(200, c)
                if name == "requests":
                    return self.send_json(200, st.log_snapshot())
                if name == "faults":
                    with st.lock:
                        fl = [f.describe() for f in st.faults]
                    return self.send_json(200, fl)
                return self.send_json(404, {"error": "unknown control"})
            if self.command != "POST":
                return self.send_json(405, {"error": "use GET or POST"},
                                      headers=[("Allow", "GET, POST")])
            try:
                spec = json.loads(body.decode("utf-8") or "{}")
            except (UnicodeDecodeError, ValueError):
                raise ValueError("body is not JSON")
            if not isinstance(spec, dict):
                raise ValueError("body must be a JSON object")
            return self.control_post(name, spec)
        except (ValueError, KeyError, TypeError) as e:
            msg = "missing field %s" % e if isinstance(e, KeyError) else str(e)
            return self.send_json(400, {"error": msg})

    def control_post(self, name, spec):
        st = self.state
        ok = {"ok": True}
        if name == "reset":
            st.reset()
        elif name == "token":
            st.add_access(req_str(spec, "access_token"),
                          req_str(spec, "channel"),
                          int_field(spec, "expires_in", None, -10 ** 9,
                                    10 ** 9))
        elif name == "refresh_token":
            st.add_refresh(req_str(spec, "refresh_token"),
                           req_str(spec, "channel"),
                           bool(spec.get("rotate", False)))
        elif name == "revoke":
            found = False
            with st.lock:
                if "refresh_token" in spec:
                    found |= st.refresh.pop(spec["refresh_token"],
                                            None) is not None
                if "access_token" in spec:
                    found |= st.access.pop(spec["access_token"],
                                           None) is not None
            ok["revoked"] = found
        elif name == "client":
            client = (req_str(spec, "client_id"),
                      req_str(spec, "client_secret"))
            with st.lock:
                st.client = client
        elif name == "delay":
            ms = int_field(spec, "ms", 0, 0, 3600 * 1000)
            dist = spec.get("dist", "fixed")
            if dist not in ("fixed", "lognormal"):
                raise ValueError('dist must be "fixed" or "lognormal"')
            factor = spec.get("p99_factor", 5)
            if isinstance(factor, bool) or not isinstance(factor, (int, float)) \
                    or not 1 < factor <= 100:
                raise ValueError("p99_factor must be a number in (1, 100]")
            seed = spec.get("seed")
            with st.lock:
                st.delay_ms = ms
                st.delay_dist = dist
                st.delay_p99_factor = float(factor)
                if seed is not None:
                    st.rng.seed(seed)
        elif name == "fault":
            fault = Fault(spec)
            with st.lock:
                st.faults.append(fault)
                ok["active"] = len(st.faults)
        elif name == "channel":
            st.set_channel(req_str(spec, "channel"), channel_options(spec))
        else:
            return self.send_json(404, {"error": "unknown control"})
        return self.send_json(200, ok)


def req_str(spec, name):
    v = spec.get(name)
    if not isinstance(v, str) or v == "":
        raise ValueError(f"{name} must be a non-empty string")
    return v
