variable "replicas" {
  type    = number
  default = 1

  validation {
    condition     = var.replicas >= 2
    error_message = "run at least 2 replicas"
  }
}
