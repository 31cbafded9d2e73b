cluster "eu-1" {
  directory = "out/eu-1"
}

cluster "eu-1" {
  directory = "out/eu-1-again"
}
