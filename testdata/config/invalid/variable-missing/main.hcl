variable "tag" {
  type = string
}

cluster "a" {
  directory = "out/a"
  labels    = { tag = var.tag }
}
