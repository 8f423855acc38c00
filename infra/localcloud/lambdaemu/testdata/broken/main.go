// Package main does not compile, to test how Build reports compiler errors.
package main

func main() {
	undefinedFunction()
}
