package sandbox

type describeInstanceStatusResponse struct {
	RequestID        string `json:"RequestId"`
	TotalCount       int    `json:"TotalCount"`
	PageNumber       int    `json:"PageNumber"`
	PageSize         int    `json:"PageSize"`
	InstanceStatuses struct {
		InstanceStatus []wireStatus `json:"InstanceStatus"`
	} `json:"InstanceStatuses"`
}

type wireStatus struct {
	InstanceID string `json:"InstanceId"`
	Status     string `json:"Status"`
}

func (s *Sandbox) describeInstanceStatus(c *call) (any, *apiError) {
	ids, aerr := c.p.repeated("InstanceId", 100)
	if aerr != nil {
		return nil, aerr
	}
	pageNumber, pageSize, aerr := c.p.page(50)
	if aerr != nil {
		return nil, aerr
	}
	want, zone := setOf(ids), c.p.str("ZoneId")
	var matched []*instance
	for _, in := range c.region.instances {
		if (want == nil || want[in.st.InstanceID]) && (zone == "" || zone == in.st.ZoneID) {
			matched = append(matched, in)
		}
	}
	resp := describeInstanceStatusResponse{RequestID: c.requestID, PageNumber: pageNumber, PageSize: pageSize, TotalCount: len(matched)}
	from, to := pageBounds(len(matched), pageNumber, pageSize)
	resp.InstanceStatuses.InstanceStatus = make([]wireStatus, 0, to-from)
	for _, in := range matched[from:to] {
		resp.InstanceStatuses.InstanceStatus = append(resp.InstanceStatuses.InstanceStatus,
			wireStatus{InstanceID: in.st.InstanceID, Status: in.settle(c.now, s.opts.Transition)})
	}
	return resp, nil
}
