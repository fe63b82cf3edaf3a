//! The user on the demo server's authorize page (the code flow): opens the address grantty
//! shows, presses a button, and reads where the browser would be sent.

/// The user on the demo's approve page: opens `url`, presses `action`; returns `Location`.
pub async fn decide(url: &str, action: &str) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let marker = "name=\"request\" value=\"";
    let start = html.find(marker).expect("approve form") + marker.len();
    let request = &html[start..start + html[start..].find('"').unwrap()];
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("the form's token") + marker.len();
    let form_token = &html[start..start + html[start..].find('"').unwrap()];
    let origin = &url[..url.find("/authorize").unwrap()];
    let answer = http
        .post(format!("{origin}/authorize"))
        .header("origin", origin)
        .form(&[
            ("request", request),
            ("form_token", form_token),
            ("action", action),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 302);
    answer.headers()["location"].to_str().unwrap().to_owned()
}

/// The client id the demo server's code flow tests sign in with.
pub const CODE_CLIENT: &str = "grantty-demo";

/// `login --issuer ISSUER --client-id grantty-demo --flow code`.
pub fn code_login_args(issuer: &str) -> Vec<String> {
    [
        "login",
        "--issuer",
        issuer,
        "--client-id",
        CODE_CLIENT,
        "--flow",
        "code",
    ]
    .map(str::to_owned)
    .to_vec()
}
