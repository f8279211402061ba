"""Migration readiness: a go / no-go plan per cluster, with address plans that fit."""
