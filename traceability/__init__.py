"""The halal traceability domain: vocabulary, rules, graph and the use cases that apply them."""
