clustr "eu-1" {
  directory = "out/eu-1"
}
