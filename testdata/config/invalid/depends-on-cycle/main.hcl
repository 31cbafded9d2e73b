template "a" {
  manifest   = { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "a" } }
  depends_on = [template.b]
}

template "b" {
  manifest   = { apiVersion = "v1", kind = "ConfigMap", metadata = { name = "b" } }
  depends_on = [template.a]
}
