variable "zones" {
  type    = list(string)
  default = "eu-west-1a"
}
