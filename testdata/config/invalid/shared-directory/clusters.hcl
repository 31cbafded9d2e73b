cluster "eu-1" {
  directory = "out/eu"
}

cluster "eu-2" {
  directory = "out/eu/2"
}
