package cloud

import (
	"strings"
	"time"
)

// Region is an ECS region the account can use.
type Region struct {
	ID, Name, Endpoint string
	Available          bool
}

// Tag is a resource tag.
type Tag struct{ Key, Value string }

// KeyPair is an SSH key pair registered in a region.
type KeyPair struct {
	Name, Fingerprint string
	CreatedAt         time.Time
	PublicKey         string
	Tags              []Tag
}

// Status is an ECS instance status.
type Status string

// Instance statuses reported by ECS.
const (
	StatusPending  Status = "Pending"
	StatusStarting Status = "Starting"
	StatusRunning  Status = "Running"
	StatusStopping Status = "Stopping"
	StatusStopped  Status = "Stopped"
)

// Instance is an ECS instance as the console needs it.
type Instance struct {
	ID, Name, Description, HostName string
	Status                          Status
	OSType, OSName                  string // OSType "linux" | "windows"
	OSNameEn                        string // OSName in English
	KeyPairName                     string
	RegionID, ZoneID, InstanceType  string
	IoOptimized                     bool
	PublicIPs, PrivateIPs           []string
	Tags                            []Tag
	LockReasons                     []string // OperationLocks.LockReason values, e.g. "security"
	CreatedAt                       time.Time
	// StartTime is when the instance last started (ECS reports it to the
	// minute): a start after a key was bound proves the key is in effect.
	StartTime time.Time
}

// IsWindows reports whether the instance runs Windows, which cannot use SSH key pairs.
func (i Instance) IsWindows() bool { return strings.EqualFold(i.OSType, "windows") }

// SecurityLocked reports whether ECS has locked the instance for security reasons.
func (i Instance) SecurityLocked() bool {
	for _, r := range i.LockReasons {
		if strings.EqualFold(r, "security") {
			return true
		}
	}
	return false
}

// KeyPairFilter selects one page of key pairs.
type KeyPairFilter struct {
	Name                 string // ECS wildcard, e.g. "*ops*"
	PageNumber, PageSize int    // PageSize at most 50 (larger values are clamped)
}

// KeyPairPage is one page of key pairs.
type KeyPairPage struct {
	Items                       []KeyPair
	Total, PageNumber, PageSize int
}

// InstanceFilter selects instances; NextToken or MaxResults switch to token paging.
type InstanceFilter struct {
	IDs                  []string // at most 100
	Name                 string   // ECS wildcard
	Status               Status
	KeyPairName, ZoneID  string
	IoOptimized          *bool
	Tags                 []Tag
	PrivateIPs           []string // VPC private addresses, at most 100
	PublicIPs            []string // public or elastic addresses, at most 100
	PageNumber, PageSize int      // PageSize at most 100 (larger values are clamped)
	NextToken            string
	MaxResults           int
}

// InstancePage is one page of instances; Total is not meaningful with token paging.
type InstancePage struct {
	Items                       []Instance
	Total, PageNumber, PageSize int
	NextToken                   string
}

// KeyPairResult is one instance's outcome of AttachKeyPair or DetachKeyPair.
type KeyPairResult struct {
	InstanceID               string
	OK                       bool
	Code, Message, RequestID string
	Retryable                bool
}

// AttachResult is the per-instance result of AttachKeyPair.
type AttachResult = KeyPairResult

// InstanceResult is one instance's outcome of RebootInstances or StartInstances.
type InstanceResult struct {
	InstanceID                    string
	OK                            bool
	Code, Message, RequestID      string
	PreviousStatus, CurrentStatus Status
	Retryable                     bool
}

// StatusResult is one instance's current status.
type StatusResult struct {
	InstanceID string
	Status     Status
}
