"""What must not happen on any page a browser test opens: a console error, an uncaught script
error, a Content-Security-Policy violation, or a failed request for anything but the page
itself (a 404 page is a page; a 404 for its script or its fetch is a problem)."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Request, Response, WebError

BINDING = "__kbSecurityPolicyViolation"
# Runs in every frame before the page's own scripts (Playwright injects it past the CSP).
REPORT_VIOLATIONS = f"""
document.addEventListener("securitypolicyviolation", (event) => {{
  window.{BINDING}(event.violatedDirective + " refused " + (event.blockedURI || "inline code")
    + " at " + (event.sourceFile || event.documentURI) + ":" + event.lineNumber);
}});
"""
# Chromium's words for what the policy blocked: "Refused to execute inline script because it
# violates ...", and since about version 150 "Framing '...' violates the following Content
# Security Policy directive ...".
CSP_REFUSAL = re.compile(r"^Refused to|Content Security Policy")
# Chromium's console line for a response >= 400: judged by its response instead (see above).
FAILED_TO_LOAD = "Failed to load resource"
# A navigation cancels the fetches still running on the page it leaves: not a problem.
ABORTED = "net::ERR_ABORTED"


class PageProblems:
    """Collects the problems of every page in the contexts it watches."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._contexts: list[BrowserContext] = []

    def watch(self, context: BrowserContext) -> None:
        self._contexts.append(context)
        context.expose_binding(BINDING, lambda _source, text: self._add(f"CSP violation: {text}"))
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", self._console)
        context.on("weberror", self._page_error)
        context.on("response", self._response)
        context.on("requestfailed", self._request_failed)

    def _add(self, problem: str) -> None:
        self.problems.append(problem)

    def _console(self, message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        if CSP_REFUSAL.search(message.text):
            self._add(
                f"CSP refusal on {where or message.page and message.page.url}: {message.text}"
            )
        elif message.type == "error" and not message.text.startswith(FAILED_TO_LOAD):
            self._add(
                f"console error on {where or message.page and message.page.url}: {message.text}"
            )

    def _page_error(self, error: WebError) -> None:
        page = error.page.url if error.page else "a page"
        self._add(f"uncaught error on {page}: {error.error.stack or error.error.message}")

    def _response(self, response: Response) -> None:
        document = response.request.resource_type == "document"
        if response.status >= 500 or (response.status >= 400 and not document):
            self._add(f"{response.status} for {response.request.method} {response.url}")

    def _request_failed(self, request: Request) -> None:
        failure = request.failure or "failed"
        if ABORTED not in failure:
            self._add(f"{request.method} {request.url} failed: {failure}")

    def take(self) -> list[str]:
        """The problems so far (after the browser's pending events arrived), and forget them:
        for a test that expects some and checks them itself."""
        for context in self._contexts:
            for page in context.pages:
                try:  # a round trip: every event the page sent before it has been handled
                    page.evaluate("0")
                except Error:
                    pass  # closed, or navigating: nothing more to wait for
        taken, self.problems = self.problems, []
        return taken

    def check(self) -> None:
        """Fail with every problem seen on the watched pages."""
        problems = self.take()
        if problems:
            raise AssertionError(
                "the browser saw problems on the pages:\n" + "\n".join(f"- {p}" for p in problems)
            )
