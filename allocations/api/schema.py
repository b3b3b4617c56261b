"""What the allocations' OpenAPI components cannot say through their serializers (a drf-spectacular postprocessing
hook, listed in SPECTACULAR_SETTINGS)."""

# The partner's update bodies: `rejectReason` is required when the status is `released` (the service refuses a
# release without one, 400).
UPDATE_INPUTS = ("PartnerAllocationUpdateInputRequest", "PartnerDeallocationUpdateInputRequest")


def require_reject_reason_on_release(result, generator, request, public):
    schemas = result.get("components", {}).get("schemas", {})
    for name in UPDATE_INPUTS:
        if name in schemas:
            schemas[name]["oneOf"] = [
                {"properties": {"status": {"enum": ["cleared"]}}},
                {"properties": {"status": {"enum": ["released"]}}, "required": ["rejectReason"]},
            ]
    return result
