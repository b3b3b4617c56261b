"""`{% signed_step %}`: step 2 of a signed-request page (organizations.web.SignedRequestView), written once.

    {% signed_step sign_label="Sign and connect" %}
      <p>Connection <strong>{{ details.cleaned_data.name }}</strong> to <strong>{{ partner.name }}</strong>.</p>
    {% endsigned_step %}

renders, inside the page's form: the request's fields as hidden inputs (`details`), the signing form's errors, the
page's own summary of the request (the tag's content), the exact payload with the signature fields
(`organizations/_signed_request.html`), and the Sign and Back buttons (`templates/organizations/_signed_step.html`).
"""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


class SignedStepNode(template.Node):
    def __init__(self, summary: template.NodeList, sign_label: template.base.FilterExpression | None):
        self.summary = summary
        self.sign_label = sign_label

    def render(self, context) -> str:
        step = context.template.engine.get_template("organizations/_signed_step.html")
        with context.push(
            summary=mark_safe(self.summary.render(context).strip()),  # noqa: S308 (rendered, so escaped)
            sign_label=self.sign_label.resolve(context) if self.sign_label else "Sign and send",
        ):
            return step.render(context)


@register.tag
def signed_step(parser, token) -> SignedStepNode:
    bits = token.split_contents()
    options = template.base.token_kwargs(bits[1:], parser)
    if set(options) - {"sign_label"} or len(options) != len(bits) - 1:
        raise template.TemplateSyntaxError(f"{bits[0]} takes only sign_label=...")
    summary = parser.parse(("endsigned_step",))
    parser.delete_first_token()
    return SignedStepNode(summary, options.get("sign_label"))
