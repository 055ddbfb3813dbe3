package warm

import (
	_ "github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	_ "github.com/alibabacloud-go/ecs-20140526/v7/client"
	_ "github.com/labstack/echo/v4"
	_ "modernc.org/sqlite"
	_ "github.com/pressly/goose/v3"
	_ "github.com/chromedp/chromedp"
	_ "github.com/a-h/templ"
	_ "github.com/gorilla/sessions"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/crypto/ssh"
	_ "golang.org/x/time/rate"
	_ "github.com/PuerkitoBio/goquery"
)
