"""Requests as BitGo's SDK sends them (`@bitgo/sdk-api` 1.86.0 + `@bitgo/sdk-core` 37.7.0's `TradingNetwork`, with
superagent in Node), recorded from the real SDK against a local server:

- every read passes its filters and paging with `.send(params)`: a JSON body on the GET with
  `Content-Type: application/json` and no query string; no body at all when `params` is undefined, `{}` when the
  method took only path ids (`getSettlementById({settlementId})`, `getConnectionById({connectionId})`);
- arrays stay JSON arrays, `pageNumber`/`pageSize` keep the caller's type (number or string);
- headers: `BitGo-SDK-Version`, `If-Modified-Since` (a fixed 1997 date), `User-Agent`, and `enterprise-id` (set by
  `TradingNetwork` on each call); with a JWT as the access token, `Authorization: Bearer <token>` (no HMAC).
"""

import json

SDK_HEADERS = {
    "HTTP_BITGO_SDK_VERSION": "1.86.0",
    "HTTP_IF_MODIFIED_SINCE": "Mon, 26 Jul 1997 05:00:00 GMT",
    "HTTP_USER_AGENT": "BitGoJS-api/1.86.0",
}


def sdk_get(api, url: str, params: dict | None, auth: dict, enterprise):
    """`TradingNetwork`'s GET of `url` with `params` (None: the method was called without any)."""
    headers = {**auth, **SDK_HEADERS, "HTTP_ENTERPRISE_ID": str(enterprise.pk)}
    if params is None:
        return api.generic("GET", url, **headers)
    return api.generic("GET", url, json.dumps(params), content_type="application/json", **headers)
