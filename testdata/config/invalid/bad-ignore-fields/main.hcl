template "flags" {
  ignore_fields = ["/data/rollout", "/metadata/name"]

  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "flags" }
    data       = { rollout = "10%" }
  }
}
