cluster "eu-1" {
  directory = "out/eu-1"
  regoin    = "eu-west-1"
}
