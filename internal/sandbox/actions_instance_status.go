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
	r, aerr := s.regionParam(c, true)
	if aerr != nil {
		return nil, aerr
	}
	ids, aerr := c.p.repeated("InstanceId", 100)
	if aerr != nil {
		return nil, aerr
	}
	pageNumber, aerr := c.p.integer("PageNumber", 1, 1, 1<<31-1)
	if aerr != nil {
		return nil, aerr
	}
	pageSize, aerr := c.p.integer("PageSize", 10, 1, 50)
	if aerr != nil {
		return nil, aerr
	}
	want, zone := setOf(ids), c.p.str("ZoneId")
	resp := describeInstanceStatusResponse{RequestID: c.requestID, PageNumber: pageNumber, PageSize: pageSize}
	page := make([]wireStatus, 0, pageSize)
	skip := (pageNumber - 1) * pageSize
	for _, in := range r.instances {
		if (want != nil && !want[in.st.InstanceID]) || (zone != "" && zone != in.st.ZoneID) {
			continue
		}
		resp.TotalCount++
		if resp.TotalCount > skip && len(page) < pageSize {
			page = append(page, wireStatus{InstanceID: in.st.InstanceID, Status: in.settle(c.now, s.opts.Transition)})
		}
	}
	resp.InstanceStatuses.InstanceStatus = page
	return resp, nil
}
