//! The commented starter config that `shipgate init` writes.

/// Every shared key with its default; gate-specific keys are listed in the README.
pub const STARTER: &str = r#"# shipgate configuration (README: Configuration).
# Every key is optional; what is shown is the default. Unknown keys are errors.
#
# Each gate has the same four shared keys:
#   enabled:  true | false        run the gate at all
#   blocking: true | false        does a failure of this gate fail the check?
#   fail_on:  error | warning | notice | never
#                                 the lowest finding severity that fails the gate
#   rules:                        re-level a rule, or turn it off:
#     RULE-ID: error | warning | notice | off
# `shipgate rules` lists every rule id; `shipgate explain RULE-ID` explains one.

gates:
  coverage:
    enabled: true
    blocking: true
    fail_on: error

  openapi:
    enabled: true
    blocking: true
    fail_on: error

  avro:
    enabled: true
    blocking: true
    fail_on: error

  secrets:
    enabled: true
    blocking: true
    fail_on: error

  migrations:
    enabled: true
    blocking: true
    fail_on: error

policy:
  # What a gate that could not judge (unreadable input, internal error) means:
  #   fail   - the overall verdict is "error" and the check fails (fail closed)
  #   ignore - report the error; the other gates decide
  on_gate_error: fail
  # Whose policy judges a pull/merge request in CI:
  #   base - the target branch's (a change cannot weaken the gate that judges it)
  #   head - the change's own (risky: a PR can turn off the gate it fails)
  trust: base
  # Inline suppressions (shipgate:allow ...) that a change adds itself:
  #   never    - ignored and reported (the default)
  #   reviewed - honoured when the change has the migrations gate's required approvals
  #   always   - honoured (risky: a change can silence its own findings)
  allow_inline_suppressions: never
"#;
