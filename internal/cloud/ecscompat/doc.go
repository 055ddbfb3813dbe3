// Package ecscompat holds conformance tests only: the ECS sandbox
// (internal/sandbox) driven over HTTP through the unmodified
// alibaba-cloud-sdk-go and the V7 SDK (github.com/alibabacloud-go/ecs-20140526/v7).
package ecscompat
