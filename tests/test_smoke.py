def test_home_page_names_the_brand(client, brand_id):
    response = client.get("/")
    assert response.status_code == 200
    assert "Test Casino" in response.get_data(as_text=True)
