variable "region" {
  default = "eu"
}

cluster "a" {
  directory = "out/a"
  region    = var.regoin
}
